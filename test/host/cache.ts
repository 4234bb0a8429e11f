// Where the test host keeps what it installs once per machine (code-server, registry Node
// binaries): outside the clone, so fresh CI clones reuse it.
import * as os from 'os';
import * as path from 'path';

export function hostCacheDir(): string {
  return process.env.CLOUDXLR_TEST_HOST_DIR ?? path.join(os.homedir(), '.cache', 'cloudxlr-test-host');
}
