// Credentials inside URLs and command lines: webhook URLs that are secrets by themselves,
// URLs with a password, and curl commands that pass a password or a bearer token.
import { isPlaceholder } from '../context';
import { looksRandom } from '../entropy';
import { UUID, call, decodeSafe, lookBackFor, type ProviderRule } from './types';

/** Passwords that are words for "password", placeholders or variables, not a password. */
function realPassword(password: string): boolean {
  const p = decodeSafe(password);
  if (p.length < 3 || /[$%{}<>[\]]/.test(p)) return false;
  return (
    !/^(?:password|pass|passwd|pwd|secret|changeme|x+|\*+|•+|your[-_]?password|example|token|pat|apikey|api[-_]key|dummy|test|user|username)$/i.test(
      p,
    ) && !isPlaceholder(p)
  );
}

/** True when the command around `start` is a curl invocation (same line, or `\`-continued lines). */
function inCurlCommand(text: string, start: number): boolean {
  let lineEnd = start;
  for (let lines = 0; lines < 6; lines++) {
    const lineStart = text.lastIndexOf('\n', lineEnd - 1) + 1;
    const line = text.slice(lineStart, lineEnd);
    if (/(?:^|[\s;|&(`'"])curl\s/.test(line)) return true;
    if (lineStart === 0) return false;
    const prev = text.slice(Math.max(0, lineStart - 3), lineStart - 1).trimEnd();
    if (!prev.endsWith('\\')) return false;
    lineEnd = lineStart - 1;
  }
  return false;
}

export const URL_FORMATS: ProviderRule[] = [
  {
    id: 'microsoft-teams-webhook',
    provider: 'Microsoft Teams',
    title: 'Microsoft Teams incoming webhook URL',
    keyName: 'TEAMS_WEBHOOK_URL',
    keepPrefix: 0,
    description:
      'A Microsoft Teams incoming webhook URL (`https://….webhook.office.com/webhookb2/…`): anyone holding it can post into the channel.',
    samples: {
      positive: [
        call('https://contoso.webhook.office.com/webhookb2/{{uuid}}@{{uuid}}/IncomingWebhook/{{hex:32}}/{{uuid}}'),
      ],
      negative: [call('https://contoso.webhook.office.com/webhookb2/<group>@<tenant>/IncomingWebhook/<id>/<owner>')],
    },
    patterns: [
      {
        anchor: '.webhook.office.com/webhookb2/',
        boundary: false,
        back: lookBackFor('https://', 64),
        source: `https://[a-z0-9-]{1,50}\\.webhook\\.office\\.com/webhookb2/${UUID}@${UUID}/IncomingWebhook/[a-z0-9]{32}/${UUID}(?:/[A-Za-z0-9_-]{1,100})?`,
      },
    ],
  },
  {
    id: 'sidekiq-credentials',
    provider: 'Sidekiq',
    title: 'Sidekiq Pro / Enterprise credentials',
    keyName: 'BUNDLE_GEMS__CONTRIBSYS__COM',
    description:
      'Sidekiq Pro or Enterprise gem server credentials (`xxxxxxxx:xxxxxxxx`), in a `gems.contribsys.com` URL or a `BUNDLE_…__CONTRIBSYS__COM` setting; they download the licensed gems.',
    samples: {
      positive: [
        call('https://{{hex:8}}:{{hex:8}}@gems.contribsys.com/'),
        'BUNDLE_ENTERPRISE__CONTRIBSYS__COM="{{hex:8}}:{{hex:8}}"',
      ],
      negative: [call('https://gems.contribsys.com/')],
    },
    patterns: [
      ...['@gems.contribsys.com', '@enterprise.contribsys.com'].map((a) => ({
        anchor: a,
        back: 17,
        boundary: false as const,
        source: '([a-f0-9]{8}:[a-f0-9]{8})@',
        group: 1,
      })),
      ...['BUNDLE_GEMS__CONTRIBSYS__COM', 'BUNDLE_ENTERPRISE__CONTRIBSYS__COM'].map((a) => ({
        anchor: a,
        source: `${a}["']?[ \\t]{0,4}[=:][ \\t]{0,4}["']?([a-f0-9]{8}:[a-f0-9]{8})`,
        group: 1,
      })),
    ],
  },
  {
    id: 'url-password',
    provider: 'HTTP basic auth',
    title: 'URL with a password',
    keyName: 'SERVICE_URL',
    keepPrefix: 0,
    container: true,
    description:
      'An `http(s)://` or `ftp(s)://` URL with a user name and password in it (`https://user:password@host`): anyone who reads the URL can sign in. Placeholders (`user:password`, `${PASSWORD}`, `<password>`) are not reported.',
    samples: {
      positive: [
        call('https://deploy:{{alnum:20}}@registry.internal.net/v2/'),
        call('ftp://backup:{{alnum:16}}@files.internal/'),
      ],
      negative: [
        call('https://user:password@example.com/'),
        call('https://${USER}:${PASS}@example.com/'),
        call('https://example.com:8443/path@v2'),
      ],
    },
    patterns: ['https://', 'http://', 'ftp://', 'ftps://'].map((a) => ({
      anchor: a,
      source: `${a.replace(/\//g, '\\/')}[A-Za-z0-9._~%!-]{1,128}:([^@/\\s"'\`<>{}$#?]{3,256})@[A-Za-z0-9.-]{1,253}\\.[A-Za-z]{2,63}`,
    })),
    validate: (v) => {
      const m = /^[a-z]+:\/\/([^:]*):([^@]*)@/.exec(v);
      // Sidekiq's gem server has a rule of its own.
      return (
        m !== null && realPassword(m[2] ?? '') && !/^\d+$/.test(m[2] ?? '') && !/@[a-z]+\.contribsys\.com$/.test(v)
      );
    },
  },
  {
    id: 'curl-credentials',
    provider: 'curl',
    title: 'Password or token in a curl command',
    keyName: 'API_TOKEN',
    keepPrefix: 0,
    container: true,
    description:
      'A curl command that passes a password (`curl -u user:password`, `--user`) or a token in an `Authorization` header (`-H "Authorization: Bearer …"`). Variables (`$TOKEN`) and placeholders are not reported.',
    samples: {
      positive: [
        'curl -u admin:{{alnum:18}} https://ci.internal/api/jobs',
        'curl https://api.internal/v1/items \\\n  -H "Authorization: Bearer {{alnum:40}}"',
      ],
      negative: [
        'curl -u "$USER:$PASSWORD" https://ci.internal/api',
        'curl -H "Authorization: Bearer $TOKEN" https://api.internal/v1',
        'curl -H "Authorization: Bearer <token>" https://api.example.com',
      ],
    },
    patterns: [
      ...['-u ', '--user ', '--user='].map((a) => ({
        anchor: a,
        boundary: false,
        source: `${a}["']?([A-Za-z0-9._@+-]{1,64}:[^\\s"'$]{3,256})`,
        group: 1,
      })),
      ...['Authorization: ', 'authorization: '].map((a) => ({
        anchor: a,
        boundary: false,
        source: `${a}[ \\t]{0,4}(?:Bearer|Basic|Token|token|bearer)[ \\t]{1,3}([A-Za-z0-9._~+/=-]{8,2048})`,
        group: 1,
      })),
    ],
    validate: (v) => {
      const colon = v.indexOf(':');
      return colon > 0 && !/[=]$/.test(v) ? realPassword(v.slice(colon + 1)) : looksRandom(v);
    },
    context: (text, start) => inCurlCommand(text, start),
  },
];
