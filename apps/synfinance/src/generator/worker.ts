// Worker thread entry: builds the world once, then answers task messages in any order; the main
// thread writes results back in shard order.
import { parentPort, workerData } from 'node:worker_threads';
import { type Format, TaskRunner } from './task.ts';
import type { GenParams, ShardSpec } from './types.ts';

const { params, format } = workerData as { params: GenParams; format: Format };
const runner = new TaskRunner(params, format);

parentPort!.on(
  'message',
  (msg: { task: number; specs: ShardSpec[]; target?: SharedArrayBuffer } | 'stop') => {
    if (msg === 'stop') {
      parentPort!.close();
      return;
    }
    try {
      const res = runner.run(msg.task, msg.specs, msg.target ? new Uint8Array(msg.target) : undefined);
      const transfer: ArrayBuffer[] = [];
      if (res.txnText) transfer.push(res.txnText.buffer as ArrayBuffer);
      if (res.custText) transfer.push(res.custText.buffer as ArrayBuffer);
      for (const b of [...(res.txnBatches ?? []), ...(res.custBatches ?? [])])
        if (b.ipc.byteOffset === 0 && b.ipc.byteLength === b.ipc.buffer.byteLength)
          transfer.push(b.ipc.buffer as ArrayBuffer);
      parentPort!.postMessage({ ok: true, res }, transfer);
    } catch (err) {
      parentPort!.postMessage({
        ok: false,
        task: msg.task,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
  },
);
