import { fuzzGroup } from '../../support/fuzz/fuzz-app.js';

fuzzGroup('pages', 'fuzzing every public and learner page: hostile query strings and path parameters');
