// i18next set up for the three languages the source documents exist in. The language follows the OS
// (navigator.languages) unless the user picked one, which is remembered.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import fr from './fr.json';
import zhCN from './zh-CN.json';
// The run's check words (./checks.ts), kept apart from the rest of the words.
import checksEn from './checks/en.json';
import checksFr from './checks/fr.json';
import checksZhCN from './checks/zh-CN.json';

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
  { code: 'fr', label: 'Français' },
] as const;

const STORAGE_KEY = 'outpost.language';

export function pickLanguage(preferred: readonly string[]): string {
  for (const p of preferred) {
    const l = p.toLowerCase();
    if (l.startsWith('zh')) return 'zh-CN';
    if (l.startsWith('fr')) return 'fr';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

function initial(): string {
  const saved = (() => {
    try {
      return localStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  })();
  if (saved && LANGUAGES.some((l) => l.code === saved)) return saved;
  return pickLanguage(navigator.languages?.length ? navigator.languages : [navigator.language]);
}

export function setLanguage(code: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  void i18n.changeLanguage(code);
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: { ...en, checkWords: checksEn } }, 'zh-CN': { translation: { ...zhCN, checkWords: checksZhCN } }, fr: { translation: { ...fr, checkWords: checksFr } } },
  lng: initial(),
  fallbackLng: 'en',
  supportedLngs: LANGUAGES.map((l) => l.code),
  load: 'currentOnly',
  interpolation: { escapeValue: false },
  returnNull: false,
});

document.documentElement.lang = i18n.language;
i18n.on('languageChanged', (l) => {
  document.documentElement.lang = l;
});

export default i18n;
