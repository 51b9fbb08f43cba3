/** Appwrite's permission strings: `Permission.read(Role.users())` is `read("users")`. */
const perm = (action: string) => (role: string) => `${action}("${role}")`;
export const Permission = { read: perm('read'), write: perm('write'), create: perm('create'), update: perm('update'), delete: perm('delete') };

export const Role = {
  any: () => 'any',
  guests: () => 'guests',
  users: (status = '') => (status ? `users/${status}` : 'users'),
  user: (id: string, status = '') => (status ? `user:${id}/${status}` : `user:${id}`),
  team: (id: string, role = '') => (role ? `team:${id}/${role}` : `team:${id}`),
  member: (id: string) => `member:${id}`,
  label: (name: string) => `label:${name}`,
};
