import { fuzzGroup } from '../../support/fuzz/fuzz-app.js';

fuzzGroup('peers', 'fuzzing the WeChat-facing routes (notify webhook, message server, sandbox simulators): hostile requests from anyone');
