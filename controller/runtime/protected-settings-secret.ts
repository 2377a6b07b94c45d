/**
 * The label that marks a Secret of the controller's namespace as usable for protected settings.
 * That namespace also holds kubeconfigs, git credentials, webhook tokens and the controller's own
 * digest key; without the mark, any Extension author could have one of those handed to a chart
 * they control as values. Only who may label Secrets in that namespace decides what is usable.
 */
export const PROTECTED_SETTINGS_LABEL = 'clusterext.io/protected-settings';

/** Why an Extension may not use this Secret for protected settings, or undefined when it may. */
export function protectedSettingsSecretRefusal(input: { secretName: string; labels: Readonly<Record<string, string>>; extension: string }): string | undefined {
  if (input.labels[PROTECTED_SETTINGS_LABEL] === 'true') return undefined;
  return `The Secret "${input.secretName}" named by Extension "${input.extension}" in configurationProtectedSettingsRef is not marked for protected settings; label it ${PROTECTED_SETTINGS_LABEL}=true (kubectl label secret ${input.secretName} ${PROTECTED_SETTINGS_LABEL}=true) if it holds settings for this extension, or name another Secret.`;
}
