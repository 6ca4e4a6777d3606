// Steps' pieces as text for one shell (display, masked; or exec, secrets resolved): used by the plan
// engine for what the Review shows, by the actions when they run, and by the export.
export * from './pieces';
