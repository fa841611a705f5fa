// Whether the ZooKeeper quorum of --ha answers: checked before a session with HA starts (a clear error instead of a
// JobManager that never becomes leader), and now and then while it runs (the session reports an outage; Flink's own
// behaviour decides what happens to the jobs).
import type * as zookeeper from 'node-zookeeper-client';

let zookeeperModule: Promise<typeof zookeeper> | undefined;

/** Undefined when a ZooKeeper server of the quorum took a session within timeoutMs; else what went wrong. */
export async function probeZooKeeper(quorum: string, timeoutMs: number): Promise<string | undefined> {
  zookeeperModule ??= import(/* webpackChunkName: "zookeeper" */ 'node-zookeeper-client');
  const zk = await zookeeperModule;
  return new Promise((resolve) => {
    const client = zk.createClient(quorum, { sessionTimeout: Math.max(2000, timeoutMs), spinDelay: 200, retries: 0 });
    let done = false;
    const finish = (problem: string | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.close();
      resolve(problem);
    };
    const timer = setTimeout(() => finish(`no ZooKeeper server of ${quorum} answered within ${timeoutMs} ms`), timeoutMs);
    client.once('connected', () => {
      // A connection lost during the read is a server that went away after the handshake (seen while one stopped): no answer.
      client.exists('/', undefined, (err) => finish(!err ? undefined : /CONNECTION_LOSS/.test(err.message)
        ? `no ZooKeeper server of ${quorum} answered: the connection was lost during a read (${err.message})`
        : `ZooKeeper ${quorum} answered but refused a read: ${err.message}`));
    });
    client.once('authenticationFailed', () => finish(`ZooKeeper ${quorum} refused the authentication`));
    client.connect();
  });
}
