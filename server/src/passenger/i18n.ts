import type { Context } from "hono";

export type Lang = "zh" | "en";

/** zh-CN unless `?lang=en`, or the browser prefers English over Chinese (Accept-Language, by q). */
export function pickLang(c: Context): Lang {
  const forced = c.req.query("lang");
  if (forced === "en" || forced === "zh") return forced;
  const prefs = (c.req.header("accept-language") ?? "")
    .split(",")
    .map((part, i) => {
      const [tag = "", ...params] = part.trim().toLowerCase().split(";");
      const q = Number(params.find((p) => p.trim().startsWith("q="))?.trim().slice(2) ?? "1");
      return { tag, q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((p) => p.tag.startsWith("zh") || p.tag.startsWith("en"))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return prefs[0]?.tag.startsWith("en") ? "en" : "zh";
}

const zh = {
  htmlLang: "zh-CN",
  locale: "zh-CN",
  title: "乘车登记",
  route: "线路",
  phone: "手机号",
  phonePlaceholder: "例如 13812345678",
  name: "姓名",
  companions: "同行人员（可选）",
  addCompanion: "＋ 添加同行人",
  companionName: "同行人姓名",
  companionPhone: "手机号（可选）",
  remove: "删除",
  seat: "座位号（可选）",
  submit: "登记乘车",
  oneTap: "一键登记",
  asPerson: "登记身份：",
  notYou: "不是您？",
  privacy: "手机号加密保存，仅用于疫情防控流调。本设备会记住您，下次扫码一键登记。",
  boarded: "上车时间",
  now: "当前时间",
  alight: "我要下车",
  alighted: "已下车",
  onBoardSince: "您已于以下时间在本车登记：",
  myPass: "我的个人乘车码",
  showDriver: "请向司机出示本页面",
  status: { green: "绿码 · 正常", yellow: "黄码 · 密切接触者", red: "红码 · 确诊病例" },
  failed: "登记失败，请重试",
  offline: "网络不可用，请稍后重试",
  errors: {
    code_not_found: "无法识别此二维码，请重新扫描车内张贴的二维码。",
    code_revoked: "此二维码已失效，车辆已更换新码。请扫描车内现在张贴的二维码。",
    code_expired: "此动态码已过期（照片只在一分钟内有效），请重新扫描司机屏幕上的二维码。",
    vehicle_rejected: "此车辆的乘车码申请未通过审核，二维码已停用。请勿用它登记；请告知司机，或向交通运输主管部门反映。",
    vehicle_retired: "此车辆已停止运营，二维码已停用。如您正在乘坐此车，请告知司机。",
    invalid_phone: "手机号格式不正确，请输入11位手机号（如13812345678）或带国家码的号码。",
    phone_required: "请填写手机号。",
    invalid_request: "填写的信息有误，请检查后重试。",
    rate_limited: "请求过于频繁，请稍后再试。",
    payload_too_large: "填写的内容过长。",
  } as Record<string, string>,
  goneTitle: "二维码已失效",
  notFoundTitle: "无法识别的二维码",
  noticeTitle: "健康提示",
  noticeCloseContact: "您被判定为密切接触者。",
  noticeCase: "您被登记为确诊病例。",
  noticeRide: (plate: string, when: string) => `相关乘车记录：${when} 乘坐 ${plate}。`,
  noticeWhatCloseContact: "请立即停止乘坐公共交通，居家并联系当地疾控中心或拨打 12320，按要求进行核酸检测和健康监测。",
  noticeWhatCase: "请不要乘坐公共交通，配合医疗机构和疾控中心的安排。",
  passTitle: "个人乘车码",
  passHint: "没有智能手机的乘客：上车时将此卡出示给车载扫描器。请妥善保管，卡上不含手机号。",
  passIssue: "生成乘车码",
  print: "打印",
  back: "返回",
};

export type Strings = typeof zh;

const en: Strings = {
  htmlLang: "en",
  locale: "en-GB",
  title: "Ride check-in",
  route: "Route",
  phone: "Mobile number",
  phonePlaceholder: "e.g. 13812345678 or +44…",
  name: "Name",
  companions: "Travelling with (optional)",
  addCompanion: "+ Add a companion",
  companionName: "Companion's name",
  companionPhone: "Mobile (optional)",
  remove: "Remove",
  seat: "Seat (optional)",
  submit: "Check in",
  oneTap: "Check in with one tap",
  asPerson: "Checking in as ",
  notYou: "Not you?",
  privacy: "Your number is stored encrypted and used only for contact tracing. This device will remember you, so next time it is one tap.",
  boarded: "Boarded",
  now: "Time now",
  alight: "I'm getting off",
  alighted: "Got off",
  onBoardSince: "You checked in on this vehicle at ",
  myPass: "My personal pass",
  showDriver: "Show this screen to the driver",
  status: { green: "Green · clear", yellow: "Yellow · close contact", red: "Red · confirmed case" },
  failed: "Check-in failed; please try again",
  offline: "No network; please try again in a moment",
  errors: {
    code_not_found: "This code is not recognised. Scan the code posted in the vehicle again.",
    code_revoked: "This code is no longer valid: the vehicle has a new one. Scan the code posted in the vehicle now.",
    code_expired: "This live code has expired (a photo of it only lasts a minute). Scan the code on the driver's screen again.",
    vehicle_rejected: "This vehicle's code application was rejected, so the code no longer works. Do not check in with it; tell the driver or the transport authority.",
    vehicle_retired: "This vehicle has been taken out of service and its code no longer works. If you are riding in it, tell the driver.",
    invalid_phone: "That mobile number does not look right. Enter an 11-digit Chinese mobile (13812345678) or a number with its country code.",
    phone_required: "Please enter your mobile number.",
    invalid_request: "Something in the form is not right; please check it.",
    rate_limited: "Too many attempts; please try again in a few minutes.",
    payload_too_large: "The form is too long.",
  },
  goneTitle: "This code is no longer valid",
  notFoundTitle: "Code not recognised",
  noticeTitle: "Health notice",
  noticeCloseContact: "You have been identified as a close contact.",
  noticeCase: "You are registered as a confirmed case.",
  noticeRide: (plate: string, when: string) => `The ride concerned: ${plate} at ${when}.`,
  noticeWhatCloseContact:
    "Please stop using public transport now, stay at home and contact your local CDC (hotline 12320) for testing and health monitoring.",
  noticeWhatCase: "Please do not use public transport; follow the instructions of your doctor and the CDC.",
  passTitle: "Personal pass",
  passHint: "For passengers without a smartphone: show this card to the scanner when boarding. Keep it safe; it carries no phone number.",
  passIssue: "Make my pass",
  print: "Print",
  back: "Back",
};

export const strings: Record<Lang, Strings> = { zh, en };
