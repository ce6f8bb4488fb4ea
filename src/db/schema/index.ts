export * from './audit';
export * from './coworking';
export * from './files';
export * from './rooms';
export * from './sessions';
export * from './sprints';
export * from './tokens';
export * from './users';
