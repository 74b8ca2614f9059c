/** `--nagios` (status and check): one line in the Monitoring Plugins format and their exit codes 0-3 (src/ui/monitoring.ts). */
import * as Flags from '@oclif/core/flags';

export const NAGIOS_HELP = 'With --nagios the exit codes are the Monitoring Plugins\' own: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (docs/monitoring.md).';

export const nagiosFlag = {
  nagios: Flags.boolean({
    summary: 'Print one line for Nagios, Icinga and their kin (XLP OK - ... | applied=2;;;0 ...) and exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
    exclusive: ['json'],
    helpGroup: 'MONITORING',
  }),
};
