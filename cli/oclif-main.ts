/** oclif's entry point, bundled with the commands so both share one copy of oclif. */
import { execute } from '@oclif/core/execute';

await execute({ dir: import.meta.url });
