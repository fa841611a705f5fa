// `npm run bench [-- --quick]`: every benchmark in turn, a readable table, and as the LAST stdout line one JSON object with
// exactly the figure keys of issues 8 and 19 (null where a figure could not be taken; the table says why).
// Each benchmark also runs on its own: `node out/test/bench/<name>.js [--quick]`.
import { bundleBench } from './bundleBench';
import { jmRecoveryBench } from './jmRecoveryBench';
import { offerHandlingBench } from './offerHandlingBench';
import { placementBench } from './placementBench';
import { realFlinkBench } from './realFlinkBench';
import { recordioBench } from './recordioBench';
import { sessionReadyBench } from './sessionReadyBench';
import { treeRefreshBench } from './treeRefreshBench';
import { uploadBench } from './uploadBench';
import { webBench } from './webBench';
import { FIGURE_KEYS, figuresJson, formatTable, missing, type Benchmark, type Figure, type FigureKey } from './benchUtil';

interface Entry { name: string; run: Benchmark; keys: { key: FigureKey; target: string }[] }

export const BENCHMARKS: Entry[] = [
  { name: 'recordioBench', run: recordioBench, keys: [{ key: 'recordio_vs_json_parse', target: '>= 0.85' }] },
  { name: 'offerHandlingBench', run: offerHandlingBench, keys: [{ key: 'offer_handling_vs_parse', target: '<= 1.0' }, { key: 'offer_handling_vs_parse_10000', target: '<= 1.0' }] },
  { name: 'treeRefreshBench', run: treeRefreshBench, keys: [{ key: 'tree_refresh_ms_1000_tm', target: '<= 2x parse' }, { key: 'tree_refresh_vs_parse', target: '<= 2' }] },
  { name: 'placementBench', run: placementBench, keys: [{ key: 'accept_calls_per_agent', target: '== 1.0' }, { key: 'offer_rounds_1000_tm', target: '<= 2' },
    { key: 'accept_calls_per_agent_10000', target: '== 1.0' }, { key: 'offer_rounds_10000_tm', target: '<= 2' }] },
  { name: 'sessionReadyBench', run: sessionReadyBench, keys: [{ key: 'session_ready_ratio', target: '<= 0.6' }] },
  { name: 'uploadBench', run: uploadBench, keys: [{ key: 'upload_vs_curl', target: '>= 0.9' }, { key: 'upload_rss_growth_mb', target: '<= 64' }, { key: 'upload_vs_curl_loaded', target: '>= 0.9' }] },
  { name: 'realFlinkBench', run: realFlinkBench, keys: [{ key: 'real_session_ready_vs_start_cluster', target: '<= 1.10' }, { key: 'real_submit_vs_flink_cli', target: '<= 0.5' },
    { key: 'real_upload_vs_curl', target: '>= 0.9' }, { key: 'real_upload_vs_curl_loaded', target: '>= 0.9' }] },
  { name: 'webBench', run: webBench, keys: [{ key: 'hidden_view_requests_per_min', target: '== 0' }, { key: 'activation_ms', target: '<= 100' },
    { key: 'extension_host_mb_1000_tm', target: '<= 50' }, { key: 'requests_per_min_visible', target: '<= 24' }] },
  { name: 'jmRecoveryBench', run: jmRecoveryBench, keys: [{ key: 'jm_recovery_vs_cold_start', target: '<= 1.0' }] },
  { name: 'bundleBench', run: bundleBench, keys: [{ key: 'bundle_kb', target: '<= 300' }] },
];

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const log = (line: string): void => { process.stderr.write(`${line}\n`); };
  const figures: Figure[] = [];
  const started = Date.now();
  for (const b of BENCHMARKS) {
    if (only.length > 0 && !only.some((o) => b.name.toLowerCase().includes(o.toLowerCase()))) {
      for (const k of b.keys) figures.push(missing(k.key, k.target, b.name, 'not selected in this run'));
      continue;
    }
    const t0 = Date.now();
    log(`== ${b.name}${quick ? ' (quick)' : ''}`);
    try {
      figures.push(...await b.run({ quick, log }));
    } catch (err) {
      const why = `${b.name} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      log(err instanceof Error ? err.stack ?? err.message : String(err));
      for (const k of b.keys) figures.push(missing(k.key, k.target, b.name, why));
    }
    log(`== ${b.name} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  // JobManager HA is issue 15's: until it lands the key stays in the JSON line, null, with the reason in the table.
  const ordered = FIGURE_KEYS.map((k) => figures.find((f) => f.key === k) ?? missing(k, '-', '-', 'no benchmark produced this figure'));
  process.stdout.write(`\nBenchmarks${quick ? ' (quick smoke mode: small sizes, not the real figures)' : ''}, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  process.stdout.write(`${formatTable(ordered)}\n`);
  process.stdout.write(`${figuresJson(ordered)}\n`);
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
