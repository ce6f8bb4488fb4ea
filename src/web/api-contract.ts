// Type-level only (nothing imports this file, so it never reaches the bundle; `npm run typecheck`
// compiles it with the rest of src/web). Each line pins what an `api` call resolves to to the zod
// schema its server route declares (and what it sends to the route's request schema), so nobody can type a call by hand again and drift from the
// route. Together with src/web/types.ts this makes the contract: rename or retype a field in a
// server schema and `tsc -p src/web/tsconfig.json` fails wherever the web app reads it.

import type { z } from '@hono/zod-openapi';
import type { AuditEventPageSchema, AuditLogQuerySchema } from '../features/audit/audit-log.schemas';
import type {
  AcceptedSchema,
  LoginSchema,
  OAuthLinkStartSchema,
  OtpSignedInSchema,
  RegisterSchema,
  SessionListSchema,
  SignedInSchema,
  UserSchema,
} from '../features/auth/auth.schemas';
import type { OutboxSchema } from '../features/dev/dev.schemas';
import type {
  AdminAccessLogPageSchema,
  AdminAccessLogQuerySchema,
  FileListQuerySchema,
  FilePageSchema,
  FileSchema,
  QuotaSchema,
  ShareCreateSchema,
  ShareListSchema,
  ShareSchema,
  ShareUpdateSchema,
  SignedUrlSchema,
  StorageReportSchema,
  UploadSchema,
} from '../features/files/files.schemas';
import type { HealthSchema } from '../features/health/health.schemas';
import type { MetaSchema } from '../features/meta/meta.schemas';
import type { RoleListSchema, RoleSchema } from '../features/roles/roles.schemas';
import type { ListUsersQuerySchema, UpdateProfileSchema, UserPageSchema } from '../features/users/users.schemas';
import type { api } from './api';
import type { filesApi } from './files/api';
import type { uploadFile } from './files/upload';

/** True only when A and B are the same type (not merely assignable either way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type Answer<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;
type Out<S extends z.ZodType> = z.output<S>;
/** What a call sends fits what its route accepts (the web may send less: a subset of the fields). */
type Sends<F, Index extends number, S extends z.ZodType> = F extends (...args: infer P) => unknown
  ? P[Index] extends z.input<S>
    ? true
    : false
  : false;

export type ApiContract = [
  Expect<Equal<Answer<typeof api.health>, Out<typeof HealthSchema>>>,
  Expect<Equal<Answer<typeof api.meta>, Out<typeof MetaSchema>>>,
  Expect<Equal<Answer<typeof api.register>, Out<typeof SignedInSchema>>>,
  Expect<Equal<Answer<typeof api.login>, Out<typeof SignedInSchema>>>,
  Expect<Equal<Answer<typeof api.requestCode>, Out<typeof AcceptedSchema>>>,
  Expect<Equal<Answer<typeof api.verifyCode>, Out<typeof OtpSignedInSchema>>>,
  // 204 when the browser holds no refresh cookie.
  Expect<Equal<Answer<typeof api.refresh>, Out<typeof SignedInSchema> | undefined>>,
  Expect<Equal<Answer<typeof api.sessions>, Out<typeof SessionListSchema>>>,
  Expect<Equal<Answer<typeof api.linkProvider>, Out<typeof OAuthLinkStartSchema>>>,
  Expect<Equal<Answer<typeof api.requestPasswordReset>, Out<typeof AcceptedSchema>>>,
  Expect<Equal<Answer<typeof api.requestVerification>, Out<typeof AcceptedSchema>>>,
  Expect<Equal<Answer<typeof api.me>, Out<typeof UserSchema>>>,
  Expect<Equal<Answer<typeof api.requestPhoneCode>, Out<typeof AcceptedSchema>>>,
  Expect<Equal<Answer<typeof api.addPhone>, Out<typeof UserSchema>>>,
  Expect<Equal<Answer<typeof api.addEmail>, Out<typeof UserSchema>>>,
  Expect<Equal<Answer<typeof api.setPassword>, Out<typeof UserSchema>>>,
  Expect<Equal<Answer<typeof api.devOutbox>, Out<typeof OutboxSchema>>>,
  Expect<Equal<Answer<typeof api.updateMe>, Out<typeof UserSchema>>>,
  Expect<Equal<Answer<typeof api.roles>, Out<typeof RoleListSchema>>>,
  Expect<Equal<Answer<typeof api.createRole>, Out<typeof RoleSchema>>>,
  Expect<Equal<Answer<typeof api.updateRole>, Out<typeof RoleSchema>>>,
  Expect<Equal<Answer<typeof api.auditLog>, Out<typeof AuditEventPageSchema>>>,
  Expect<Equal<Answer<typeof api.users>, Out<typeof UserPageSchema>>>,
  Expect<Equal<Answer<typeof api.updateUser>, Out<typeof UserSchema>>>,
  Expect<Equal<Answer<typeof filesApi.list>, Out<typeof FilePageSchema>>>,
  Expect<Equal<Answer<typeof filesApi.rename>, Out<typeof FileSchema>>>,
  Expect<Equal<Answer<typeof filesApi.downloadLink>, Out<typeof SignedUrlSchema>>>,
  Expect<Equal<Answer<typeof filesApi.startUpload>, Out<typeof UploadSchema>>>,
  Expect<Equal<Answer<typeof filesApi.completeUpload>, Out<typeof FileSchema>>>,
  Expect<Equal<Answer<typeof filesApi.shares>, Out<typeof ShareListSchema>>>,
  Expect<Equal<Answer<typeof filesApi.createShare>, Out<typeof ShareSchema>>>,
  Expect<Equal<Answer<typeof filesApi.updateShare>, Out<typeof ShareSchema>>>,
  Expect<Equal<Answer<typeof filesApi.storage>, Out<typeof StorageReportSchema>>>,
  Expect<Equal<Answer<typeof filesApi.user>, Out<typeof UserSchema>>>,
  Expect<Equal<Answer<typeof filesApi.setQuota>, Out<typeof QuotaSchema>>>,
  Expect<Equal<Answer<typeof filesApi.accessLogs>, Out<typeof AdminAccessLogPageSchema>>>,
  Expect<Equal<Answer<typeof uploadFile>, Out<typeof FileSchema>>>,
  Expect<Sends<typeof api.register, 0, typeof RegisterSchema>>,
  Expect<Sends<typeof api.login, 0, typeof LoginSchema>>,
  Expect<Sends<typeof api.updateMe, 0, typeof UpdateProfileSchema>>,
  Expect<Sends<typeof api.users, 0, typeof ListUsersQuerySchema>>,
  Expect<Sends<typeof api.auditLog, 0, typeof AuditLogQuerySchema>>,
  Expect<Sends<typeof filesApi.list, 0, typeof FileListQuerySchema>>,
  Expect<Sends<typeof filesApi.createShare, 1, typeof ShareCreateSchema>>,
  Expect<Sends<typeof filesApi.updateShare, 1, typeof ShareUpdateSchema>>,
  Expect<Sends<typeof filesApi.accessLogs, 0, typeof AdminAccessLogQuerySchema>>,
];
