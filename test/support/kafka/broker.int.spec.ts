import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { existsSync } from 'node:fs';
import { isListening, KafkaBroker, startKafka } from './broker';

describe('the Kafka test broker', () => {
  let broker: KafkaBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    const started = Date.now();
    broker = await startKafka();
    // Printed so the start-up cost stays visible in the test output.
    process.stdout.write(`Kafka ${broker.version} on ${broker.brokers} started in ${Date.now() - started} ms\n`);
    kafka = new Kafka({ clientId: 'broker-int-spec', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  }, 180_000);

  afterAll(async () => {
    await broker?.stop();
  }, 60_000);

  it('listens on loopback only and reports itself as a one-node cluster', async () => {
    expect(broker.brokers).toMatch(/^127\.0\.0\.1:\d+$/);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers).toEqual([expect.objectContaining({ nodeId: 1, host: '127.0.0.1', port: broker.port })]);
    } finally {
      await admin.disconnect();
    }
  });

  it('round-trips 100 messages through a 3-partition topic, in order within each partition', async () => {
    const topic = 'harness.roundtrip.v1';
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      expect(metadata.partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const sent = Array.from({ length: 100 }, (_, i) => ({ key: `subject-${i % 7}`, value: `message-${i}` }));
    try {
      // One send per message so each key's messages are acknowledged in the order they were produced.
      for (const message of sent) await producer.send({ topic, acks: -1, messages: [message] });
    } finally {
      await producer.disconnect();
    }

    const received = new Map<number, { key: string; value: string; offset: bigint }[]>();
    let count = 0;
    const consumer = kafka.consumer({ groupId: `harness-${Date.now()}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolveAll, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${count} of 100 messages consumed`)), 60_000);
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              const list = received.get(partition) ?? [];
              list.push({ key: message.key!.toString(), value: message.value!.toString(), offset: BigInt(message.offset) });
              received.set(partition, list);
              if (++count === sent.length) {
                clearTimeout(timer);
                resolveAll();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }

    const all = [...received.values()].flat();
    expect(all.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
    for (const messages of received.values()) {
      // Sends were sequential, so within a partition both the offsets and the send order increase.
      const offsets = messages.map((m) => m.offset);
      const order = messages.map((m) => Number(m.value.split('-')[1]));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // Every key lives in exactly one partition.
    const partitionsByKey = new Map<string, Set<number>>();
    for (const [partition, messages] of received) for (const m of messages) partitionsByKey.set(m.key, (partitionsByKey.get(m.key) ?? new Set()).add(partition));
    for (const partitions of partitionsByKey.values()) expect(partitions.size).toBe(1);
  });

  it('comes back with its data after a clean stop (an outage) and after a crash', async () => {
    const offsets = async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        return (await admin.fetchTopicOffsets('harness.roundtrip.v1')).map((p) => `${p.partition}:${p.high}`).sort();
      } finally {
        await admin.disconnect();
      }
    };
    const before = await offsets();

    await broker.stop({ keepData: true });
    expect(broker.pid).toBeUndefined();
    expect(await isListening(broker.port)).toBe(false);
    await broker.restart();
    expect(await offsets()).toEqual(before);

    const pid = broker.pid!;
    await broker.kill();
    expect(() => process.kill(pid, 0)).toThrow();
    await broker.restart();
    expect(await offsets()).toEqual(before);
  });

  it('stop() leaves no process listening on the port and removes its folder', async () => {
    const pid = broker.pid;
    expect(pid).toBeDefined();
    await broker.stop();
    expect(await isListening(broker.port)).toBe(false);
    expect(await isListening(broker.controllerPort)).toBe(false);
    expect(() => process.kill(pid!, 0)).toThrow();
    expect(existsSync(broker.dir)).toBe(false);
  });
});
