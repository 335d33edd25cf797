import { randomUUID } from 'node:crypto';
import { type IHeaders, Kafka, type KafkaMessage, logLevel } from 'kafkajs';

export interface ConsumedMessage { topic: string; partition: number; offset: string; key: string | null; value: string | null; headers: IHeaders }

export function testKafka(brokers: string): Kafka {
  return new Kafka({ clientId: 'messaging-test', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
}

export function header(message: { headers?: IHeaders }, name: string): string | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/**
 * Everything on a topic from the beginning up to its high watermarks at the time of the call: a fresh consumer group
 * reads each partition to the end, so the answer is the whole topic, exactly once.
 */
export async function readTopic(brokers: string, topic: string, timeoutMs = 60_000): Promise<ConsumedMessage[]> {
  const kafka = testKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
  const out: ConsumedMessage[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out reading ${topic}: ${out.length} messages, partitions left ${[...remaining.keys()]}`)), timeoutMs);
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const high = remaining.get(batch.partition);
          for (const m of batch.messages as KafkaMessage[]) {
            if (high === undefined || BigInt(m.offset) >= high) continue;
            out.push({ topic, partition: batch.partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value?.toString() ?? null, headers: m.headers ?? {} });
          }
          const last = batch.messages.length > 0 ? BigInt(batch.messages[batch.messages.length - 1].offset) + 1n : 0n;
          if (high !== undefined && last >= high) remaining.delete(batch.partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** Polls until `condition` holds. */
export async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
