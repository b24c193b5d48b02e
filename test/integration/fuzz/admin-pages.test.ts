import { fuzzGroup } from '../../support/fuzz/fuzz-app.js';

fuzzGroup('admin-pages', 'fuzzing every admin page, as an admin and as a learner: hostile query strings and path parameters');
