export * from './audit';
export * from './sessions';
export * from './tokens';
export * from './users';
