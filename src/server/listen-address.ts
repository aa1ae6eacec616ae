/** Configured listener addresses -> what grpc-js binds ("0.0.0.0:9191", "unix:///path"). */
export function grpcBindAddress(address: string): string {
  return address;
}

/** The address to dial for a bound server (tests, logs): the port grpc-js picked replaces ":0". */
export function boundAddress(address: string, port: number): string {
  if (address.startsWith("unix:")) return address;
  const host = address.slice(0, address.lastIndexOf(":"));
  const dialHost = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "[::]" ? "[::1]" : host;
  return `${dialHost}:${port}`;
}
