export * from './envelope';
export * from './footdata';
export * from './somedata';
export * from './footdata-response';
export * from './footdata-season';
