// Preloaded (node --import) into a CLI run that a test stops mid-scan: once a renamed-into-place
// .lmmshard makes the count in its folder reach LMMSCAN_TEST_STOP_SHARDS, the process sends itself
// LMMSCAN_TEST_STOP_SIGNAL. A test that polls the folder from outside can miss the moment on a fast
// machine (the last blocks and the final file land between two polls); this cannot.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { basename, dirname } from 'node:path';

const shards = Number(process.env.LMMSCAN_TEST_STOP_SHARDS);
const signal = process.env.LMMSCAN_TEST_STOP_SIGNAL ?? 'SIGKILL';
const rename = fs.renameSync;
let sent = false;
fs.renameSync = function renameThenMaybeStop(from, to) {
  rename(from, to);
  const name = basename(String(to));
  if (sent || !name.endsWith('.lmmshard')) return;
  const done = fs.readdirSync(dirname(String(to))).filter((f) => f.endsWith('.lmmshard')).length;
  if (done >= shards) {
    sent = true;
    process.kill(process.pid, signal);
  }
};
// ES module imports of node:fs see the wrapped function too.
syncBuiltinESMExports();
