// The hook the views use to say a core message in the wizard's words (./answer-paths.ts): hosts by
// their stable names from the plan, inputs by their labels in the UI's language; a host's failure
// reason or hint in the UI's language where the core's sentence is known (../i18n/reasons.ts).
import { useTranslation } from 'react-i18next';
import { targetName } from '../batch/names';
import { failureWords } from '../i18n/reasons';
import { inWizardWords } from './answer-paths';
import { hostInputWords } from './host-inputs';
import { stepTitle } from './planText';
import { selectProfile, useWizard } from './store';

export function useWizardWords(): (text: string) => string {
  const { t, i18n } = useTranslation();
  const plan = useWizard((s) => s.review.plan);
  const profile = useWizard(selectProfile);
  return (text) =>
    inWizardWords(
      t,
      failureWords(t, text, {
        stepTitle: (english) => {
          const s = plan?.steps.find((x) => x.title === english);
          return s ? stepTitle(t, s, i18n.language) : undefined;
        },
      }),
      {
        hostName: (i) => {
          const tg = plan?.hosts.targets.find((x) => x.index === i);
          return tg ? targetName({ ...tg.ssh, name: tg.name }) : undefined;
        },
        inputLabel: (name) => {
          const l = profile?.inputs.find((x) => x.name === name)?.label;
          return l?.[i18n.language] ?? l?.en;
        },
        hostInputLabel: (name) => {
          const h = profile?.hostInputs.find((x) => x.name === name);
          return h ? hostInputWords(h, i18n.language).label : undefined;
        },
      },
    );
}
