// Kept in step with package.json by test/version.test.ts; a plain constant keeps the bundle free of
// a JSON import and the User-Agent available to every module.
export const VERSION = '1.0.0';
export const USER_AGENT = `kie-task-action/${VERSION}`;
