// The JSON text of a scheduler call. A LAUNCH of thousands of TaskManagers repeats one long command (the session's -D
// words) per task: JSON.stringify escaped and copied it 10,000 times (18 MiB for issue 19's burst). A task builder may
// seal a TaskInfo with its JSON text, built from fragments it escaped once; encodeCall splices those texts in. The
// text is the same JSON value as JSON.stringify(call) gives (test/core/mesos/callEncoding.test.ts).
import type { Call, TaskInfo } from './types';

const sealed = new WeakMap<TaskInfo, string>();

/** Records the JSON text of a TaskInfo its builder never changes again; encodeCall uses it instead of stringifying. */
export function sealTaskJson(task: TaskInfo, json: string): TaskInfo {
  sealed.set(task, json);
  return task;
}

/** A string's JSON escape without its quotes: escaping pieces and joining them is escaping the joined string. */
export function jsonInner(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function taskJson(task: TaskInfo): string {
  return sealed.get(task) ?? JSON.stringify(task);
}

/** The body SchedulerClient sends: JSON.stringify(call), with sealed TaskInfos spliced in as their recorded text. */
export function encodeCall(call: Call): string {
  const accept = call.accept;
  if (call.type !== 'ACCEPT' || !accept || !accept.operations.some((op) => op.launch?.task_infos.some((t) => sealed.has(t)))) return JSON.stringify(call);
  const operations = accept.operations.map((op) => op.type === 'LAUNCH' && op.launch
    ? `{"type":"LAUNCH","launch":{"task_infos":[${op.launch.task_infos.map(taskJson).join(',')}]}}`
    : JSON.stringify(op));
  const outer = JSON.stringify({ ...call, accept: undefined });
  const rest = JSON.stringify({ ...accept, operations: undefined });
  const acceptText = `${rest.slice(0, -1)}${rest.length > 2 ? ',' : ''}"operations":[${operations.join(',')}]}`;
  return `${outer.slice(0, -1)}${outer.length > 2 ? ',' : ''}"accept":${acceptText}}`;
}
