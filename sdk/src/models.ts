/** The Appwrite response models the client's methods return (the fields apps read most). */
export interface User<P = Record<string, unknown>> {
  $id: string;
  $createdAt: string;
  $updatedAt: string;
  name: string;
  email: string;
  phone: string;
  emailVerification: boolean;
  phoneVerification: boolean;
  status: boolean;
  labels: string[];
  prefs: P;
  mfa: boolean;
  registration: string;
  passwordUpdate: string;
  accessedAt: string;
}
export interface Session {
  $id: string;
  $createdAt: string;
  userId: string;
  expire: string;
  provider: string;
  current: boolean;
  factors: string[];
  secret: string;
  mfaUpdatedAt: string;
  [field: string]: unknown;
}
export interface Token {
  $id: string;
  $createdAt: string;
  userId: string;
  secret: string;
  expire: string;
  phrase: string;
}
export interface Team<P = Record<string, unknown>> {
  $id: string;
  $createdAt: string;
  $updatedAt: string;
  name: string;
  total: number;
  prefs: P;
}
export interface Membership {
  $id: string;
  $createdAt: string;
  $updatedAt: string;
  userId: string;
  userName: string;
  userEmail: string;
  teamId: string;
  teamName: string;
  invited: string;
  joined: string;
  confirm: boolean;
  mfa: boolean;
  roles: string[];
}
export interface FileModel {
  $id: string;
  bucketId: string;
  $createdAt: string;
  $updatedAt: string;
  $permissions: string[];
  name: string;
  signature: string;
  mimeType: string;
  sizeOriginal: number;
  chunksTotal: number;
  chunksUploaded: number;
}
export interface Execution {
  $id: string;
  $createdAt: string;
  $updatedAt: string;
  functionId: string;
  trigger: string;
  status: 'waiting' | 'processing' | 'completed' | 'failed' | 'scheduled';
  requestMethod: string;
  requestPath: string;
  responseStatusCode: number;
  responseBody: string;
  responseHeaders: { name: string; value: string }[];
  logs: string;
  errors: string;
  duration: number;
}
export type ListOf<K extends string, T> = { total: number } & { [key in K]: T[] };
