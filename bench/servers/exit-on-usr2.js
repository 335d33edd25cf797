// Preloaded into benchmark servers: SIGUSR2 exits cleanly, so that `node --cpu-prof` writes its profile.
'use strict';
process.on('SIGUSR2', () => process.exit(0));
