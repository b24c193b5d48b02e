import { fuzzGroup } from '../../support/fuzz/fuzz-app.js';

fuzzGroup('forms', 'fuzzing every non-admin form and JSON endpoint: hostile bodies of every content type, as a visitor and a learner');
