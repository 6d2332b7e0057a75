// The REST API client: JSON in and out, the bearer token from sessionStorage, problem+json errors.
const TOKEN_KEY = 'motcua.token';
const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `Lỗi ${status}`);
    this.status = status;
    this.problem = problem;
  }

  get errors() {
    return (this.problem && this.problem.errors) || {};
  }
}

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

let unauthorizedHandler = null;

/** Called when a signed-in request answers 401 (token expired or revoked). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

function url(path, query) {
  let out = BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.append(key, String(value));
    }
    const text = params.toString();
    if (text) out += '?' + text;
  }
  return out;
}

async function send(method, path, { body, query, auth = true, accept = 'application/json', form } = {}) {
  const headers = { Accept: `${accept}, application/problem+json` };
  const isForm = typeof FormData !== 'undefined' && body instanceof FormData; // multipart: the browser sets the type
  if (body !== undefined && !isForm) headers['Content-Type'] = 'application/json';
  const token = auth ? getToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(url(path, query), {
      method,
      headers,
      body: form !== undefined ? form : (body === undefined || isForm ? body : JSON.stringify(body)),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, {
      title: 'Không kết nối được máy chủ',
      detail: 'Không gửi được yêu cầu; kiểm tra kết nối mạng rồi thử lại.',
    });
  }
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
    if (!problem || typeof problem !== 'object') {
      problem = { title: `Lỗi ${response.status}`, detail: 'Máy chủ trả lời không như mong đợi.' };
    }
    const error = new ApiError(response.status, problem);
    if (response.status === 401 && token && unauthorizedHandler) unauthorizedHandler(error);
    throw error;
  }
  return response;
}

/** A JSON call; resolves to the parsed body (null for 204), rejects with ApiError. */
export async function api(method, path, options = {}) {
  const response = await send(method, path, options);
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** A call answering HTML or text (the printable documents). */
export async function apiText(path, options = {}) {
  const response = await send('GET', path, { ...options, accept: 'text/html' });
  return response.text();
}

export const get = (path, query, options = {}) => api('GET', path, { ...options, query });
export const post = (path, body = {}, options = {}) => api('POST', path, { ...options, body });

/** Upload one file (multipart, field `file`) to POST /files; resolves to {id, sha256, size, name, media_type}. */
export async function uploadFile(file) {
  const form = new FormData();
  form.append('file', file, file.name || 'anh-chup.jpg');
  const response = await send('POST', '/files', { form });
  return response.json();
}

/** The bytes of a file the API serves (with this tab's token unless auth is false), as a Blob. */
export async function fetchBlob(path, query, { auth = true } = {}) {
  const response = await send('GET', path, { query, auth, accept: '*/*' });
  return response.blob();
}
/** A multipart upload (FormData); resolves to the Response (read .json() or .text()), rejects with ApiError. */
export const postForm = (path, form, { accept = 'application/json' } = {}) => send('POST', path, { body: form, accept });
/** A download (the register as CSV or XLSX): the bytes as a Blob and the server's file name. */
export async function apiBlob(path, query) {
  const response = await send('GET', path, { query, accept: '*/*' });
  const disposition = response.headers.get('Content-Disposition') || '';
  const match = /filename="([^"]+)"/.exec(disposition);
  return { blob: await response.blob(), name: match ? match[1] : 'tai-ve' };
}
