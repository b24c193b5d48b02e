import { fuzzGroup } from '../../support/fuzz/fuzz-app.js';

fuzzGroup('admin-forms', 'fuzzing every admin form, as an admin and as a learner: hostile bodies, multipart included');
