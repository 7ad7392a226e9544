// npm links `bin` entries itself, but a fresh build is not executable: make dist/src/cli/main.js runnable too.
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/src/cli/main.js', import.meta.url), 0o755);
