// Every scenario `npm run bench` knows, in the order a full run goes through them.
// To add one: write bench/scenarios/<name>.mjs exporting a Scenario (bench/lib/scenario.mjs)
// as default, import it here, and describe it in bench/README.md.
import ai from './ai.mjs';
import auth from './auth.mjs';
import backups from './backups.mjs';
import bundle from './bundle.mjs';
import coworking from './coworking.mjs';
import files from './files.mjs';
import httpJson from './http-json.mjs';
import rooms from './rooms.mjs';
import roomsCapacity from './rooms-capacity.mjs';

/** @type {import('../lib/scenario.mjs').Scenario[]} */
export const scenarios = [bundle, httpJson, auth, files, rooms, roomsCapacity, coworking, ai, backups];
