// One app process: `npm start`. Several behind one port: `npm run start:cluster` (src/cluster.ts).
import { exitOnStartFailure, startServer } from './server.js';

startServer().catch(exitOnStartFailure);
