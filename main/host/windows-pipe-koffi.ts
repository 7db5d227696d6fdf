// Environment: Node on Windows only (loaded with a dynamic import when process.platform is 'win32').
//
// NOT RUN on the machines this project is tested on (Linux): the Win32 calls below were type-checked only.
// The decisions they feed are main/core/windows-pipe-trust.ts, unit-tested there. koffi (a maintained FFI with
// prebuilt binaries in per-platform npm packages) makes the calls: Node has no API for them.
import koffi from 'koffi';
import { WindowsApiError, type PipeHandle, type WindowsPipeApi } from '../core/windows-pipe-trust.js';

const GENERIC_READ = 0x8000_0000;
const GENERIC_WRITE = 0x4000_0000;
const OPEN_EXISTING = 3;
const SECURITY_IDENTIFICATION = 0x0001_0000; // SECURITY_SQOS_PRESENT | SecurityIdentification: the server may
const SECURITY_SQOS_PRESENT = 0x0010_0000; //    identify this client but never act as it
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
const TOKEN_QUERY = 0x0008;
const TOKEN_ADJUST_DEFAULT = 0x0080;
const TOKEN_USER = 1;
const TOKEN_DEFAULT_DACL = 6;
const SDDL_REVISION_1 = 1;

let api: WindowsPipeApi | undefined;

/** The Win32 calls, bound once. */
export function windowsPipeApi(): WindowsPipeApi {
  api ??= bind();
  return api;
}

function bind(): WindowsPipeApi {
  const kernel32 = koffi.load('kernel32.dll');
  const advapi32 = koffi.load('advapi32.dll');
  koffi.pointer('HANDLE', koffi.opaque());
  const GetLastError = kernel32.func('uint32 __stdcall GetLastError()');
  const CloseHandle = kernel32.func('bool __stdcall CloseHandle(HANDLE h)');
  const LocalFree = kernel32.func('void * __stdcall LocalFree(void *mem)');
  const GetCurrentProcess = kernel32.func('HANDLE __stdcall GetCurrentProcess()');
  const CreateFileW = kernel32.func(
    'HANDLE __stdcall CreateFileW(str16 name, uint32 access, uint32 share, void *security, uint32 disposition, uint32 flags, HANDLE template)',
  );
  const GetNamedPipeServerProcessId = kernel32.func(
    'bool __stdcall GetNamedPipeServerProcessId(HANDLE pipe, _Out_ uint32 *pid)',
  );
  const OpenProcess = kernel32.func('HANDLE __stdcall OpenProcess(uint32 access, bool inherit, uint32 pid)');
  const OpenProcessToken = advapi32.func(
    'bool __stdcall OpenProcessToken(HANDLE process, uint32 access, _Out_ HANDLE *token)',
  );
  const GetTokenInformation = advapi32.func(
    'bool __stdcall GetTokenInformation(HANDLE token, int kind, _Out_ uint8_t *info, uint32 length, _Out_ uint32 *needed)',
  );
  const SetTokenInformation = advapi32.func(
    'bool __stdcall SetTokenInformation(HANDLE token, int kind, void *info, uint32 length)',
  );
  const ConvertSidToStringSidW = advapi32.func(
    'bool __stdcall ConvertSidToStringSidW(void *sid, _Out_ void **text)',
  );
  const ConvertStringSecurityDescriptorToSecurityDescriptorW = advapi32.func(
    'bool __stdcall ConvertStringSecurityDescriptorToSecurityDescriptorW(str16 sddl, uint32 revision, _Out_ void **descriptor, _Out_ uint32 *size)',
  );
  const GetSecurityDescriptorDacl = advapi32.func(
    'bool __stdcall GetSecurityDescriptorDacl(void *descriptor, _Out_ bool *present, _Out_ void **dacl, _Out_ bool *defaulted)',
  );

  const INVALID_HANDLE = -1n;
  const check = (call: string, ok: unknown): void => {
    if (!ok) throw new WindowsApiError(call, GetLastError() as number);
  };
  const validHandle = (call: string, handle: unknown): unknown => {
    if (handle === null || BigInt.asIntN(64, koffi.address(handle)) === INVALID_HANDLE)
      throw new WindowsApiError(call, GetLastError() as number);
    return handle;
  };

  /** The token user's SID as text: TOKEN_USER starts with a pointer to the SID, which lies in the same buffer. */
  function tokenUserSid(token: unknown): string {
    const info = Buffer.alloc(256);
    check('GetTokenInformation', GetTokenInformation(token, TOKEN_USER, info, info.length, [0]));
    const sid = koffi.decode(info, 'void *') as unknown;
    const text: unknown[] = [null];
    check('ConvertSidToStringSidW', ConvertSidToStringSidW(sid, text));
    try {
      return koffi.decode(text[0], 'str16') as string;
    } finally {
      LocalFree(text[0]);
    }
  }

  function processToken(process: unknown, access: number): unknown {
    const token: unknown[] = [null];
    check('OpenProcessToken', OpenProcessToken(process, access, token));
    return token[0];
  }

  return {
    currentUserSid() {
      const token = processToken(GetCurrentProcess(), TOKEN_QUERY);
      try {
        return tokenUserSid(token);
      } finally {
        CloseHandle(token);
      }
    },
    setDefaultDacl(sddl) {
      const descriptor: unknown[] = [null];
      check(
        'ConvertStringSecurityDescriptorToSecurityDescriptorW',
        ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, descriptor, [0]),
      );
      const token = processToken(GetCurrentProcess(), TOKEN_ADJUST_DEFAULT);
      try {
        const dacl: unknown[] = [null];
        check('GetSecurityDescriptorDacl', GetSecurityDescriptorDacl(descriptor[0], [false], dacl, [false]));
        // TOKEN_DEFAULT_DACL is one pointer, to the ACL (which lives in the descriptor, freed after the call).
        const info = Buffer.alloc(8);
        info.writeBigUInt64LE(koffi.address(dacl[0]));
        check('SetTokenInformation', SetTokenInformation(token, TOKEN_DEFAULT_DACL, info, info.length));
      } finally {
        CloseHandle(token);
        LocalFree(descriptor[0]);
      }
    },
    openPipe(name): PipeHandle {
      return validHandle(
        'CreateFileW',
        CreateFileW(
          name,
          GENERIC_READ | GENERIC_WRITE,
          0,
          null,
          OPEN_EXISTING,
          SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
          null,
        ),
      );
    },
    serverProcessId(pipe) {
      const pid = [0];
      check('GetNamedPipeServerProcessId', GetNamedPipeServerProcessId(pipe, pid));
      return pid[0]!;
    },
    processUserSid(pid) {
      const process = validHandle('OpenProcess', OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, pid));
      try {
        const token = processToken(process, TOKEN_QUERY);
        try {
          return tokenUserSid(token);
        } finally {
          CloseHandle(token);
        }
      } finally {
        CloseHandle(process);
      }
    },
    closeHandle(pipe) {
      CloseHandle(pipe);
    },
  };
}
