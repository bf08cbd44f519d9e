/**
 * Renders React hooks in Node, for real: React's own reconciler (`react-reconciler`, the package
 * React DOM and React Native are built on) driving a renderer that has no host elements at all.
 * Why this and not the alternatives: `react-dom/server` never runs effects or subscriptions;
 * `react-dom/client` needs a DOM (jsdom is a large dependency); `react-test-renderer` is deprecated
 * since React 19. The components rendered here return `null`, so the renderer only has to create,
 * update and clear a root: every hook (`useSyncExternalStore`, `useEffect`) runs as in a browser,
 * on React's scheduler.
 *
 * @example
 * await using hook = await renderHook(() => useConnectionState(client));
 * await until(() => hook.current === 'open', 'open');
 */
import { createContext, createElement } from 'react';
import Reconciler from 'react-reconciler';
import { ConcurrentRoot, DefaultEventPriority, NoEventPriority } from 'react-reconciler/constants.js';

/** A mounted hook: its latest value, every value it rendered (in order), and `unmount`. */
export interface RenderedHook<T> extends AsyncDisposable {
  readonly current: T;
  readonly renders: readonly T[];
  /** The first render error, if any (the hook then renders no more). */
  readonly error: unknown;
  unmount(): Promise<void>;
}

let updatePriority: number = NoEventPriority;

/** What a renderer must answer when its tree holds no host element: nothing to create, place or measure. */
const hostConfig = {
  rendererPackageName: 'parley-test-renderer',
  rendererVersion: '0.0.0',
  supportsMutation: true,
  supportsPersistence: false,
  supportsHydration: false,
  isPrimaryRenderer: true,
  warnsIfNotActing: false,
  noTimeout: -1,
  scheduleTimeout: setTimeout,
  cancelTimeout: clearTimeout,
  supportsMicrotasks: true,
  scheduleMicrotask: queueMicrotask,
  NotPendingTransition: null,
  HostTransitionContext: createContext<unknown>(null),
  getRootHostContext: () => ({}),
  getChildHostContext: (parent: object) => parent,
  getPublicInstance: (instance: unknown) => instance,
  prepareForCommit: () => null,
  resetAfterCommit: () => undefined,
  clearContainer: () => undefined,
  preparePortalMount: () => undefined,
  detachDeletedInstance: () => undefined,
  shouldSetTextContent: () => false,
  createInstance: () => {
    throw new Error('this renderer has no host elements: render components that return null');
  },
  createTextInstance: () => {
    throw new Error('this renderer has no host elements: render components that return null');
  },
  getCurrentUpdatePriority: () => updatePriority,
  setCurrentUpdatePriority: (priority: number) => void (updatePriority = priority),
  resolveUpdatePriority: () => (updatePriority === NoEventPriority ? DefaultEventPriority : updatePriority),
  trackSchedulerEvent: () => undefined,
  resolveEventType: () => null,
  resolveEventTimeStamp: () => -1.1,
  shouldAttemptEagerTransition: () => false,
  requestPostPaintCallback: () => undefined,
  maySuspendCommit: () => false,
  maySuspendCommitOnUpdate: () => false,
  maySuspendCommitInSyncRender: () => false,
  startSuspendingCommit: () => null,
  waitForCommitToBeReady: () => null,
  getSuspendedCommitReason: () => null,
  resetFormInstance: () => undefined,
  getInstanceFromNode: () => null,
  beforeActiveInstanceBlur: () => undefined,
  afterActiveInstanceBlur: () => undefined,
  prepareScopeUpdate: () => undefined,
  getInstanceFromScope: () => null,
};

const reconciler = Reconciler(hostConfig as never);

/**
 * Mount a component that calls `hook()` on every render, and resolve once it has rendered (or
 * failed to: see `error`); its values are recorded in `renders`.
 */
export async function renderHook<T>(hook: () => T): Promise<RenderedHook<T>> {
  const renders: T[] = [];
  let error: unknown;
  const root = reconciler.createContainer(
    {},
    ConcurrentRoot,
    null,
    false,
    null,
    '',
    (err: unknown) => void (error ??= err),
    (err: unknown) => void (error ??= err),
    (err: unknown) => void (error ??= err),
    () => undefined,
    null,
  );
  function Probe(): null {
    renders.push(hook());
    return null;
  }
  reconciler.updateContainer(createElement(Probe), root, null, null);
  while (renders.length === 0 && error === undefined) await new Promise((resolve) => setImmediate(resolve));
  const unmount = () =>
    new Promise<void>((resolve) => {
      reconciler.updateContainer(null, root, null, () => resolve());
    });
  return {
    get current() {
      if (renders.length === 0) throw new Error('the hook has not rendered yet');
      return renders[renders.length - 1] as T;
    },
    renders,
    get error() {
      return error;
    },
    unmount,
    [Symbol.asyncDispose]: unmount,
  };
}
