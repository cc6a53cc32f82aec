import { connectorSettings, toProperties, workerSettings, type ConnectorSettingsOptions } from './settings';

const base: ConnectorSettingsOptions = {
  name: 'bench-connector-x',
  mode: 'fastest',
  topic: 't-abc.somedata',
  mongoUrl: 'mongodb://127.0.0.1:27017',
  database: 't_abc',
  collection: 'somedata',
  tasks: 3,
};

describe('the sink connector settings of bench/connector.ts', () => {
  it('idempotent: _id is the value eventId, written as an upsert by _id (our guarantee)', () => {
    const s = connectorSettings({ ...base, mode: 'idempotent' });
    expect(s.transforms!.split(',')).toContain('eventIdAsId');
    expect(s['transforms.eventIdAsId.type']).toBe('org.apache.kafka.connect.transforms.ReplaceField$Value');
    expect(s['transforms.eventIdAsId.renames']).toBe('eventId:_id');
    expect(s['document.id.strategy']).toMatch(/\.ProvidedInValueStrategy$/);
    expect(s['document.id.strategy.overwrite.existing']).toBe('true');
    expect(s['writemodel.strategy']).toMatch(/\.ReplaceOneDefaultStrategy$/);
  });

  it('fastest: a new ObjectId per record, plain inserts, eventId left as a field', () => {
    const s = connectorSettings(base);
    expect(s['document.id.strategy']).toMatch(/\.BsonOidStrategy$/);
    expect(s['writemodel.strategy']).toMatch(/\.InsertOneDefaultStrategy$/);
    expect(s.transforms).toBe('origin');
    expect(s['transforms.eventIdAsId.renames']).toBeUndefined();
  });

  it.each(['fastest', 'idempotent'] as const)(
    '%s: unordered bulk writes of whole polls, one task per partition, large polls, the given store',
    (mode) => {
      const s = connectorSettings({ ...base, mode, tasks: 6, maxPollRecords: 5_000 });
      expect(s).toMatchObject({
        'connector.class': 'com.mongodb.kafka.connect.MongoSinkConnector',
        'tasks.max': '6',
        topics: 't-abc.somedata',
        'connection.uri': 'mongodb://127.0.0.1:27017',
        database: 't_abc',
        collection: 'somedata',
        'bulk.write.ordered': 'false',
        'max.batch.size': '0',
        'consumer.override.max.poll.records': '5000',
        'consumer.override.auto.offset.reset': 'earliest',
      });
      expect(connectorSettings({ ...base, mode })['consumer.override.max.poll.records']).toBe('10000');
    },
  );

  it('refuses a task count that is not a positive integer, and a topic that is not a topic name', () => {
    for (const tasks of [0, -1, 1.5, NaN]) expect(() => connectorSettings({ ...base, tasks })).toThrow(/tasks/);
    for (const topic of ['', 'a b', 'a\nconnection.uri=mongodb://elsewhere', 'x'.repeat(10) + '/'])
      expect(() => connectorSettings({ ...base, topic })).toThrow(/topic/);
  });

  it('the worker: REST on loopback at the given port, JSON values without schemas, manifests instead of scanning', () => {
    const s = workerSettings({
      brokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
      restPort: 41_234,
      offsetsFile: '/tmp/x/offsets',
      pluginPath: '/stack/connect/plugins',
    });
    expect(s).toMatchObject({
      'bootstrap.servers': '127.0.0.1:9092,127.0.0.1:9093',
      listeners: 'http://127.0.0.1:41234',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
      'plugin.path': '/stack/connect/plugins',
      'plugin.discovery': 'service_load',
    });
  });

  it('the worker refuses no brokers and a port out of range', () => {
    const ok = { brokers: ['b:1'], restPort: 1, offsetsFile: 'o', pluginPath: 'p' };
    expect(() => workerSettings({ ...ok, brokers: [] })).toThrow(/brokers/);
    for (const restPort of [0, 65_536, 80.5]) expect(() => workerSettings({ ...ok, restPort })).toThrow(/restPort/);
  });

  it('a value with a line break, a backslash or a leading space stays one property', () => {
    const text = toProperties({
      a: 'x\nb=evil',
      c: 'C:\\dir',
      d: ' lead',
      'connection.uri': 'mongodb://u:p%3D@h:1/?a=b',
    });
    const lines = text.trimEnd().split('\n');
    expect(lines).toEqual(['a=x\\nb=evil', 'c=C:\\\\dir', 'd=\\ lead', 'connection.uri=mongodb://u:p%3D@h:1/?a=b']);
  });
});
