/** Online/offline state of every device, as the inputs see it (last success, last error, consecutive failures). */
export interface DeviceState {
  device: string;
  online: boolean;
  lastOkAt?: number;
  lastError?: string;
  lastErrorAt?: number;
  failures: number;
  /** errors per kind since start: 'timeout', 'exception', 'connection', ... */
  errors: Record<string, number>;
}

export interface DeviceHealth {
  ok(device: string, at?: number): void;
  fail(device: string, kind: string, message: string, at?: number): void;
  get(device: string): DeviceState | undefined;
  all(): DeviceState[];
  summary(): { online: number; offline: number };
}

export function createDeviceHealth(devices: string[] = []): DeviceHealth {
  const states = new Map<string, DeviceState>();
  const state = (device: string) => {
    let s = states.get(device);
    if (!s) states.set(device, (s = { device, online: false, failures: 0, errors: {} }));
    return s;
  };
  devices.forEach(state);
  return {
    ok(device, at = Date.now()) {
      const s = state(device);
      s.online = true;
      s.lastOkAt = at;
      s.failures = 0;
    },
    fail(device, kind, message, at = Date.now()) {
      const s = state(device);
      s.online = false;
      s.failures++;
      s.lastError = message;
      s.lastErrorAt = at;
      s.errors[kind] = (s.errors[kind] ?? 0) + 1;
    },
    get: (device) => states.get(device),
    all: () => [...states.values()],
    summary() {
      let online = 0;
      for (const s of states.values()) if (s.online) online++;
      return { online, offline: states.size - online };
    },
  };
}
