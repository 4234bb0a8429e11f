// Developer tools, package registries, CI/CD and infrastructure services recognised from the
// value alone.
import { ALNUM, B64URL, backOverToken, call, type ProviderRule } from './types';

export const DEVTOOL_FORMATS: ProviderRule[] = [
  {
    id: 'artifactory-token', provider: 'JFrog Artifactory', title: 'JFrog Artifactory API key or reference token', keyName: 'ARTIFACTORY_TOKEN', keepPrefix: 4,
    description: 'A JFrog Artifactory API key (`AKCp…`) or reference token (`cmVmd…`); it reads and publishes artifacts.',
    samples: { positive: [call('AKCp{{alnum:69}}'), call('cmVmd{{alnum:59}}')], negative: [call('AKCp{{alnum:20}}')] },
    patterns: [{ anchor: 'AKCp', source: `AKCp[${ALNUM}]{69}` }, { anchor: 'cmVmd', source: `cmVmd[${ALNUM}]{59}` }],
  },
  {
    id: 'clojars-token', provider: 'Clojars', title: 'Clojars deploy token', keyName: 'CLOJARS_TOKEN', keepPrefix: 8,
    description: 'A Clojars deploy token (`CLOJARS_…`); it publishes libraries as you.',
    samples: { positive: [call('CLOJARS_{{lowernum:60}}')], negative: [call('CLOJARS_USERNAME')] },
    patterns: [{ anchor: 'CLOJARS_', source: `CLOJARS_[${ALNUM}]{60}` }],
  },
  {
    id: 'rubygems-token', provider: 'RubyGems', title: 'RubyGems API key', keyName: 'GEM_HOST_API_KEY', keepPrefix: 9,
    description: 'A RubyGems.org API key (`rubygems_…`); it pushes gems as you.',
    samples: { positive: [call('rubygems_{{hex:48}}')], negative: [call('rubygems_YOUR_API_KEY')] },
    patterns: [{ anchor: 'rubygems_', source: 'rubygems_[a-f0-9]{48}' }],
  },
  {
    id: 'harness-token', provider: 'Harness', title: 'Harness access token', keyName: 'HARNESS_API_KEY', keepPrefix: 4,
    description: 'A Harness personal or service account token (`pat.…`, `sat.…`).',
    samples: { positive: [call('pat.{{b64url:22}}.{{alnum:24}}.{{alnum:20}}'), call('sat.{{b64url:22}}.{{alnum:24}}.{{alnum:20}}')], negative: [call('pat.YOUR_TOKEN')] },
    patterns: ['pat.', 'sat.'].map((a) => ({ anchor: a, source: `${a.replace('.', '\\.')}[${B64URL}]{22}\\.[${ALNUM}]{24}\\.[${ALNUM}]{20}` })),
  },
  {
    id: 'infracost-token', provider: 'Infracost', title: 'Infracost API key', keyName: 'INFRACOST_API_KEY', keepPrefix: 4,
    description: 'An Infracost API key (`ico-…`).',
    samples: { positive: [call('ico-{{alnum:32}}')], negative: [call('ico-{{alnum:8}}')] },
    patterns: [{ anchor: 'ico-', source: `ico-[${ALNUM}]{32}` }],
  },
  {
    id: 'octopus-deploy-api-key', provider: 'Octopus Deploy', title: 'Octopus Deploy API key', keyName: 'OCTOPUS_API_KEY', keepPrefix: 4,
    description: 'An Octopus Deploy API key (`API-` + 26 upper-case letters and digits).',
    samples: { positive: [call('API-{{upnum:26}}')], negative: [call('API-VERSION'), call('API-KEY-GOES-HERE')] },
    patterns: [{ anchor: 'API-', source: 'API-[A-Z0-9]{26}' }],
    validate: (v) => /[0-9]/.test(v.slice(4)) && /[A-Z]/.test(v.slice(4)),
  },
  {
    id: 'prefect-token', provider: 'Prefect', title: 'Prefect API key', keyName: 'PREFECT_API_KEY', keepPrefix: 4,
    description: 'A Prefect Cloud API key (`pnu_…`).',
    samples: { positive: [call('pnu_{{alnum:36}}')], negative: [call('pnu_YOUR_KEY')] },
    patterns: [{ anchor: 'pnu_', source: `pnu_[${ALNUM}]{36}` }],
  },
  {
    id: 'readme-api-key', provider: 'ReadMe', title: 'ReadMe API key', keyName: 'README_API_KEY', keepPrefix: 5,
    description: 'A ReadMe API key (`rdme_…`).',
    samples: { positive: [call('rdme_{{lowernum:70}}')], negative: [call('rdme_YOUR_KEY')] },
    patterns: [{ anchor: 'rdme_', source: 'rdme_[a-z0-9]{70}' }],
  },
  {
    id: 'sourcegraph-token', provider: 'Sourcegraph', title: 'Sourcegraph access token', keyName: 'SRC_ACCESS_TOKEN', keepPrefix: 4,
    description: 'A Sourcegraph access token (`sgp_…`).',
    samples: { positive: [call('sgp_{{hex:16}}_{{hex:40}}'), call('sgp_{{hex:40}}'), call('sgp_local_{{hex:40}}')], negative: [call('sgp_YOUR_TOKEN')] },
    patterns: [{ anchor: 'sgp_', source: 'sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}' }],
  },
  {
    id: 'settlemint-token', provider: 'SettleMint', title: 'SettleMint access token', keyName: 'SETTLEMINT_ACCESS_TOKEN', keepPrefix: 7,
    description: 'A SettleMint application, personal or service access token (`sm_aat_`, `sm_pat_`, `sm_sat_`).',
    samples: { positive: [call('sm_aat_{{alnum:16}}'), call('sm_pat_{{alnum:16}}'), call('sm_sat_{{alnum:16}}')], negative: [call('sm_pat_YOUR_TOKEN')] },
    patterns: ['sm_aat_', 'sm_pat_', 'sm_sat_'].map((a) => ({ anchor: a, source: `${a}[${ALNUM}]{16}` })),
  },
  {
    id: 'sonarqube-token', provider: 'SonarQube', title: 'SonarQube token', keyName: 'SONAR_TOKEN', keepPrefix: 4,
    description: 'A SonarQube or SonarCloud user, project analysis or global analysis token (`squ_`, `sqp_`, `sqa_`).',
    samples: { positive: [call('squ_{{hex:40}}'), call('sqp_{{hex:40}}')], negative: [call('squ_YOUR_TOKEN')] },
    patterns: ['squ_', 'sqp_', 'sqa_'].map((a) => ({ anchor: a, source: `${a}[a-f0-9]{40}` })),
  },
  {
    id: 'onepassword-secret-key', provider: '1Password', title: '1Password account secret key', keyName: 'OP_SECRET_KEY', keepPrefix: 3,
    description: 'A 1Password account Secret Key (`A3-XXXXXX-…`): with the account password it opens every vault.',
    samples: { positive: [call('A3-{{upnum:6}}-{{upnum:11}}-{{upnum:5}}-{{upnum:5}}-{{upnum:5}}'), call('A3-{{upnum:6}}-{{upnum:6}}-{{upnum:5}}-{{upnum:5}}-{{upnum:5}}-{{upnum:5}}')], negative: [call('A3-XXXXXX-XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX')] },
    patterns: [{ anchor: 'A3-', source: 'A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}' }],
  },
  {
    id: 'frameio-token', provider: 'Frame.io', title: 'Frame.io API token', keyName: 'FRAMEIO_TOKEN', keepPrefix: 6,
    description: 'A Frame.io developer token (`fio-u-…`).',
    samples: { positive: [call('fio-u-{{b64url:64}}')], negative: [call('fio-u-YOUR_TOKEN')] },
    patterns: [{ anchor: 'fio-u-', source: `fio-u-[${B64URL}=]{64}` }],
  },
  {
    id: 'duffel-token', provider: 'Duffel', title: 'Duffel access token', keyName: 'DUFFEL_ACCESS_TOKEN', keepPrefix: 12,
    description: 'A Duffel live or test access token (`duffel_live_…`, `duffel_test_…`); a live token books real flights on your account.',
    samples: { positive: [call('duffel_live_{{b64url:43}}'), call('duffel_test_{{b64url:43}}')], negative: [call('duffel_test_YOUR_TOKEN')] },
    patterns: ['duffel_live_', 'duffel_test_'].map((a) => ({ anchor: a, source: `${a}[${B64URL}=]{43}` })),
  },
  {
    id: 'intra42-client-secret', provider: '42 Intra', title: '42 Intra client secret', keyName: 'INTRA42_CLIENT_SECRET', keepPrefix: 9,
    description: 'A 42 Intra API client secret (`s-s4t2ud-…`, `s-s4t2af-…`).',
    samples: { positive: [call('s-s4t2ud-{{hex:64}}'), call('s-s4t2af-{{hex:64}}')], negative: [call('s-s4t2ud-YOUR_SECRET')] },
    patterns: ['s-s4t2ud-', 's-s4t2af-'].map((a) => ({ anchor: a, source: `${a}[a-f0-9]{64}` })),
  },
  {
    id: 'maxmind-license-key', provider: 'MaxMind', title: 'MaxMind license key', keyName: 'MAXMIND_LICENSE_KEY', keepPrefix: 0,
    description: 'A MaxMind GeoIP license key (`…_mmk`).',
    samples: { positive: [call('{{alnum:6}}_{{alnum:29}}_mmk')], negative: [call('YOUR_LICENSE_KEY_mmk')] },
    patterns: [{ anchor: '_mmk', back: 36, source: `[${ALNUM}]{6}_[${ALNUM}]{29}_mmk` }],
  },
  {
    id: 'typeform-token', provider: 'Typeform', title: 'Typeform personal access token', keyName: 'TYPEFORM_TOKEN', keepPrefix: 4,
    description: 'A Typeform personal access token (`tfp_…`).',
    samples: { positive: [call('tfp_{{b64url:59}}')], negative: [call('tfp_YOUR_TOKEN')] },
    patterns: [{ anchor: 'tfp_', source: `tfp_[${B64URL}.=]{59}` }],
  },
  {
    id: 'adobe-client-secret', provider: 'Adobe', title: 'Adobe client secret', keyName: 'ADOBE_CLIENT_SECRET', keepPrefix: 4,
    description: 'An Adobe Developer Console client secret (`p8e-…`).',
    samples: { positive: [call('p8e-{{alnum:32}}')], negative: [call('p8e-YOUR_SECRET')] },
    patterns: [{ anchor: 'p8e-', source: `p8e-[${ALNUM}]{32}` }],
  },
  {
    id: 'figma-token', provider: 'Figma', title: 'Figma personal access token', keyName: 'FIGMA_TOKEN', keepPrefix: 5,
    description: 'A Figma personal access token (`figd_…`); it reads (and with write scopes, changes) the files of the account.',
    samples: { positive: [call('figd_{{b64url:40}}')], negative: [call('figd_YOUR_FIGMA_TOKEN')] },
    patterns: [{ anchor: 'figd_', source: `figd_[${B64URL}]{40,200}` }],
  },
  {
    id: 'authress-access-key', provider: 'Authress', title: 'Authress service client access key', keyName: 'AUTHRESS_ACCESS_KEY', keepPrefix: 0,
    description: 'An Authress service client access key (`sc_….acc_….…`); it calls the Authress API as the service client.',
    samples: { positive: [call('sc_{{lowernum:12}}.{{lowernum:5}}.acc_{{lowernum:20}}.{{b64url:60}}')], negative: [call('sc_example.acc_')] },
    patterns: ['.acc_', '.acc-'].map((a) => ({
      anchor: a, back: backOverToken(48),
      source: `(?:sc|ext|scauth|authress)_[${ALNUM}]{5,30}\\.[${ALNUM}]{4,6}\\.acc[_-][a-z0-9-]{10,32}\\.[A-Za-z0-9+/_=-]{30,120}`,
    })),
  },
  {
    id: 'defined-networking-token', provider: 'Defined Networking', title: 'Defined Networking API token', keyName: 'DN_API_KEY', keepPrefix: 6,
    description: 'A Defined Networking (Nebula) API token (`dnkey-…`).',
    samples: { positive: [call('dnkey-{{b64url:26}}-{{b64url:52}}')], negative: [call('dnkey-YOUR_KEY')] },
    patterns: [{ anchor: 'dnkey-', source: `dnkey-[${B64URL}=]{26}-[${B64URL}=]{52}` }],
  },
  {
    id: 'yandex-api-key', provider: 'Yandex Cloud', title: 'Yandex Cloud API key', keyName: 'YC_API_KEY', keepPrefix: 4,
    description: 'A Yandex Cloud API key (`AQVN…`).',
    samples: { positive: [call('AQVN{{b64url:36}}')], negative: [call('AQVN{{alnum:10}}')] },
    patterns: [{ anchor: 'AQVN', source: `AQVN[${B64URL}]{35,38}` }],
  },
  {
    id: 'nuget-config-password', provider: 'NuGet', title: 'Password in a NuGet configuration', keyName: 'NUGET_PASSWORD', keepPrefix: 0,
    description: 'A package source password in a NuGet configuration (`<add key="ClearTextPassword" value="…" />`).',
    samples: { positive: ['<add key="ClearTextPassword" value="{{alnum:20}}" />'], negative: ['<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />'] },
    patterns: ['<add key="ClearTextPassword"', '<add key="Password"'].map((a) => ({
      anchor: a, boundary: false, source: `${a}[ \\t]{1,8}value="([^"%$<>]{8,256})"`, group: 1,
    })),
  },
];
