/** The action's version, shown in the job summary and by `quetzal-deploy --version`. Kept in step with package.json. */
export const VERSION = '0.1.0';
