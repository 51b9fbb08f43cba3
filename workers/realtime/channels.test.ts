import { describe, expect, it } from 'vitest';
import { convertChannels, eventChannels, rebindAccountChannels } from './channels';

describe('eventChannels (Appwrite fromPayload)', () => {
  it('publishes a row on both API families and the legacy names, each with its action sibling', () => {
    expect(eventChannels('databases.db.tables.posts.rows.r1.create').sort()).toEqual(
      [
        'documents', 'documents.create',
        'databases.db.collections.posts.documents', 'databases.db.collections.posts.documents.create',
        'databases.db.collections.posts.documents.r1', 'databases.db.collections.posts.documents.r1.create',
        'rows', 'rows.create',
        'databases.db.tables.posts.rows', 'databases.db.tables.posts.rows.create',
        'databases.db.tables.posts.rows.r1', 'databases.db.tables.posts.rows.r1.create',
        'tablesdb.db.tables.posts.rows', 'tablesdb.db.tables.posts.rows.create',
        'tablesdb.db.tables.posts.rows.r1', 'tablesdb.db.tables.posts.rows.r1.create',
      ].sort(),
    );
  });

  it('maps the legacy document name to the same channels', () => {
    expect(eventChannels('databases.db.collections.posts.documents.r1.upsert').sort()).toEqual(eventChannels('databases.db.tables.posts.rows.r1.upsert').sort());
  });

  it('keeps schema events off realtime', () => {
    expect(eventChannels('databases.db.tables.posts.columns.title.create')).toEqual([]);
    expect(eventChannels('databases.db.tables.posts.create')).toEqual([]);
    expect(eventChannels('databases.db.create')).toEqual([]);
  });

  it('gives account channels to user events, the action sibling only to top-level ones', () => {
    expect(eventChannels('users.u1.update.email')).toEqual(['account', 'account.u1', 'account.update', 'account.u1.update']);
    expect(eventChannels('users.u1.create')).toEqual(['account', 'account.u1', 'account.create', 'account.u1.create']);
    expect(eventChannels('users.u1.sessions.s1.create')).toEqual(['account', 'account.u1']);
    expect(eventChannels('users.u1.recovery.t1.update')).toEqual(['account', 'account.u1']);
  });

  it('maps files, executions, teams, memberships and presences', () => {
    expect(eventChannels('buckets.b1.files.f1.update')).toEqual([
      'files', 'buckets.b1.files', 'buckets.b1.files.f1', 'files.update', 'buckets.b1.files.update', 'buckets.b1.files.f1.update',
    ]);
    expect(eventChannels('functions.fn.executions.e1.create')).toEqual([
      'executions', 'executions.e1', 'functions.fn', 'executions.create', 'executions.e1.create', 'functions.fn.create',
    ]);
    expect(eventChannels('teams.t1.create')).toEqual(['teams', 'teams.t1', 'teams.create', 'teams.t1.create']);
    expect(eventChannels('teams.t1.update.prefs')).toEqual(['teams', 'teams.t1', 'teams.update', 'teams.t1.update']);
    expect(eventChannels('teams.t1.memberships.m1.update.status')).toEqual(['memberships', 'memberships.m1', 'memberships.update', 'memberships.m1.update']);
    expect(eventChannels('presences.p1.upsert')).toEqual(['presences', 'presences.p1', 'presences.upsert', 'presences.p1.upsert']);
    expect(eventChannels('buckets.b1.create')).toEqual([]);
    expect(eventChannels('functions.fn.deployments.d1.create')).toEqual([]);
    expect(eventChannels('something.else')).toEqual([]);
  });
});

describe('convertChannels / rebindAccountChannels', () => {
  it('adds the user account channel and scopes account actions to the user', () => {
    expect(convertChannels(['account', 'rows', 'account.update', 'account.other'], 'u1')).toEqual(['account', 'account.u1', 'rows', 'account.u1.update']);
  });

  it('keeps a guest on the literal channels', () => {
    expect(convertChannels(['account', 'account.update', 'account.u9', 'files'], '')).toEqual(['account', 'account.update', 'files']);
  });

  it('rebinds a guest connection to the user who authenticated', () => {
    expect(rebindAccountChannels(['account', 'account.update', 'files'], '', 'u1')).toEqual(['account', 'account.u1.update', 'files']);
    expect(rebindAccountChannels(['account.u1', 'account.u1.delete'], 'u1', 'u2')).toEqual(['account.u2', 'account.u2.delete']);
    expect(rebindAccountChannels(['account.u1'], 'u1', 'u1')).toEqual(['account.u1']);
  });
});
