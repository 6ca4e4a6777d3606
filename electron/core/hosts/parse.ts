// Host lists: the pure parser lives in electron/common (the wizard's host list editor uses it too).
export * from '../../common/hosts';
