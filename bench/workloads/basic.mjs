// Ping, account.get and password sign-in against their bare equivalents.
export async function runPing(ctx) {
  const { server, api } = ctx;
  return [
    await ctx.compare('ping', {
      ledge: { url: server.ledgeUrl('/ping'), headers: api.projectHeaders },
      baseline: { url: server.baselineUrl('/ping'), headers: api.projectHeaders },
    }),
  ];
}

/** account.get with a session cookie vs. the two D1 point reads behind it (session and user, one batch). */
export async function runAccount(ctx) {
  const { server, api } = ctx;
  await api.requireRoutes('accounts', [['GET', '/account'], ['POST', '/account/sessions/email', {}], ['POST', '/users', {}]]);
  const who = await api.userWithSession('account');
  const h = { ...api.projectHeaders, cookie: who.cookie };
  const results = [
    await ctx.compare('account.get (session cookie)', {
      ledge: { url: server.ledgeUrl('/account'), headers: h },
      baseline: { url: server.baselineUrl(`/account?session=${encodeURIComponent(who.session.$id)}&user=${encodeURIComponent(who.user.$id)}`), headers: h },
    }),
  ];

  // The baseline reads the same JSON body and answers 201 without hashing anything, so the
  // difference in latency is the password check (plus session bookkeeping).
  const body = JSON.stringify({ email: who.email, password: who.password });
  const jsonHeaders = { ...api.projectHeaders, 'content-type': 'application/json' };
  const signIn = await ctx.compare('session sign-in (email + password)', {
    ledge: { method: 'POST', url: server.ledgeUrl('/account/sessions/email'), headers: jsonHeaders, body, expect: 201 },
    baseline: { method: 'POST', url: server.baselineUrl('/signin'), headers: jsonHeaders, body, expect: 201 },
  });
  if (signIn.ledge) signIn.extra = { passwordCheckMs: signIn.ledge.p50 - signIn.baseline.p50 };
  results.push(signIn);
  return results;
}
