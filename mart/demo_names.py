"""The demo's names as a Chinese automaker's mart holds them: regions, provinces, cities and districts, dealer
company names, models, and the descriptive values of complaints, leads and customers.

mart/generate.py works with English identifiers and writes these names at its output: the structure it plants
does not depend on them, and the same seed gives the same names.
"""
from __future__ import annotations

REGION = {"East": "华东", "South": "华南", "North": "华北", "Central": "华中", "Southwest": "西南",
          "Northwest": "西北", "Northeast": "东北"}

PROVINCE = {
    "Shanghai": "上海市", "Jiangsu": "江苏省", "Zhejiang": "浙江省", "Anhui": "安徽省", "Fujian": "福建省",
    "Shandong": "山东省", "Jiangxi": "江西省", "Guangdong": "广东省", "Guangxi": "广西壮族自治区", "Hainan": "海南省",
    "Beijing": "北京市", "Tianjin": "天津市", "Hebei": "河北省", "Shanxi": "山西省", "Inner Mongolia": "内蒙古自治区",
    "Henan": "河南省", "Hubei": "湖北省", "Hunan": "湖南省", "Sichuan": "四川省", "Chongqing": "重庆市",
    "Guizhou": "贵州省", "Yunnan": "云南省", "Tibet": "西藏自治区", "Shaanxi": "陕西省", "Gansu": "甘肃省",
    "Qinghai": "青海省", "Ningxia": "宁夏回族自治区", "Xinjiang": "新疆维吾尔自治区", "Liaoning": "辽宁省",
    "Jilin": "吉林省", "Heilongjiang": "黑龙江省",
}

# City -> its name without 市 (dealer names use that form); the city column adds 市.
CITY = {
    "Anqing": "安庆", "Anshan": "鞍山", "Baoding": "保定", "Baoji": "宝鸡", "Baotou": "包头", "Beijing": "北京",
    "Bengbu": "蚌埠", "Changchun": "长春", "Changsha": "长沙", "Changzhi": "长治", "Changzhou": "常州", "Chengdu": "成都",
    "Chongqing": "重庆", "Dali": "大理", "Dalian": "大连", "Daqing": "大庆", "Datong": "大同", "Deyang": "德阳",
    "Dongguan": "东莞", "Foshan": "佛山", "Fuzhou": "福州", "Ganzhou": "赣州", "Guangzhou": "广州", "Guilin": "桂林",
    "Guiyang": "贵阳", "Haikou": "海口", "Handan": "邯郸", "Hangzhou": "杭州", "Harbin": "哈尔滨", "Hefei": "合肥",
    "Hengyang": "衡阳", "Hohhot": "呼和浩特", "Huizhou": "惠州", "Jiaxing": "嘉兴", "Jilin": "吉林", "Jinan": "济南",
    "Jinhua": "金华", "Jiujiang": "九江", "Karamay": "克拉玛依", "Korla": "库尔勒", "Kunming": "昆明", "Langfang": "廊坊",
    "Lanzhou": "兰州", "Lhasa": "拉萨", "Linyi": "临沂", "Liuzhou": "柳州", "Luoyang": "洛阳", "Mianyang": "绵阳",
    "Nanchang": "南昌", "Nanchong": "南充", "Nanjing": "南京", "Nanning": "南宁", "Nantong": "南通", "Nanyang": "南阳",
    "Ningbo": "宁波", "Ordos": "鄂尔多斯", "Qingdao": "青岛", "Qiqihar": "齐齐哈尔", "Quanzhou": "泉州", "Qujing": "曲靖",
    "Sanya": "三亚", "Shanghai": "上海", "Shantou": "汕头", "Shaoxing": "绍兴", "Shenyang": "沈阳", "Shenzhen": "深圳",
    "Shijiazhuang": "石家庄", "Suzhou": "苏州", "Taiyuan": "太原", "Taizhou": "台州", "Tangshan": "唐山", "Tianjin": "天津",
    "Tianshui": "天水", "Urumqi": "乌鲁木齐", "Weifang": "潍坊", "Wenzhou": "温州", "Wuhan": "武汉", "Wuhu": "芜湖",
    "Wuxi": "无锡", "Xi'an": "西安", "Xiamen": "厦门", "Xiangyang": "襄阳", "Xianyang": "咸阳", "Xining": "西宁",
    "Xinxiang": "新乡", "Xuzhou": "徐州", "Yangzhou": "扬州", "Yantai": "烟台", "Yibin": "宜宾", "Yichang": "宜昌",
    "Yinchuan": "银川", "Yueyang": "岳阳", "Yulin": "榆林", "Zhangzhou": "漳州", "Zhengzhou": "郑州", "Zhongshan": "中山",
    "Zhuhai": "珠海", "Zhuzhou": "株洲", "Zibo": "淄博", "Zunyi": "遵义",
}

DISTRICT = {
    "Pudong": "浦东", "Minhang": "闵行", "Jiading": "嘉定", "Baoshan": "宝山", "Songjiang": "松江", "Xuhui": "徐汇",
    "Putuo": "普陀", "Qingpu": "青浦", "Fengxian": "奉贤", "Changning": "长宁", "Yangpu": "杨浦", "Jinshan": "金山",
    "Chaoyang": "朝阳", "Haidian": "海淀", "Fengtai": "丰台", "Daxing": "大兴", "Tongzhou": "通州", "Shunyi": "顺义",
    "Changping": "昌平", "Shijingshan": "石景山", "Binhai": "滨海", "Hexi": "河西", "Nankai": "南开", "Dongli": "东丽",
    "Xiqing": "西青", "Wuqing": "武清", "Yubei": "渝北", "Jiangbei": "江北", "Nan'an": "南岸", "Shapingba": "沙坪坝",
    "Jiulongpo": "九龙坡", "Banan": "巴南", "Wanzhou": "万州", "Xihu": "西湖", "Binjiang": "滨江", "Xiaoshan": "萧山",
    "Yuhang": "余杭", "Gongshu": "拱墅", "Shangcheng": "上城", "Tianhe": "天河", "Baiyun": "白云", "Panyu": "番禺",
    "Huangpu": "黄埔", "Haizhu": "海珠", "Huadu": "花都", "Futian": "福田", "Nanshan": "南山", "Longgang": "龙岗",
    "Bao'an": "宝安", "Longhua": "龙华", "Luohu": "罗湖", "Jiangning": "江宁", "Gulou": "鼓楼", "Qixia": "栖霞",
    "Pukou": "浦口", "Xuanwu": "玄武", "Gusu": "姑苏", "Wuzhong": "吴中", "Xiangcheng": "相城", "Kunshan": "昆山",
    "Wujiang": "吴江", "Wuhou": "武侯", "Jinjiang": "锦江", "Chenghua": "成华", "Shuangliu": "双流", "Pidu": "郫都",
    "Longquanyi": "龙泉驿", "Hongshan": "洪山", "Jiang'an": "江岸", "Wuchang": "武昌", "Hanyang": "汉阳",
    "Dongxihu": "东西湖", "Yanta": "雁塔", "Weiyang": "未央", "Chang'an": "长安", "Lianhu": "莲湖", "Baqiao": "灞桥",
    # the common district and road names of GENERIC_DISTRICTS
    "Gaoxin": "高新", "Kaifa": "经开", "Chengnan": "城南", "Chengbei": "城北", "Chengdong": "城东", "Chengxi": "城西",
    "Binhe": "滨河", "Jiefang": "解放路", "Renmin": "人民路", "Zhongshan": "中山路", "Xinhua": "新华路", "Jinqiao": "金桥",
    "Huaxia": "华夏路", "Xingfu": "幸福路", "Longhu": "龙湖", "Nanhu": "南湖", "Beihu": "北湖", "Dongfeng": "东风路",
    "Heping": "和平路", "Changjiang": "长江路", "Yingbin": "迎宾大道", "Jinxiu": "锦绣路", "Taihe": "太和", "Xinkai": "新开路",
}

# Trade names of the dealer companies. Seven: a city's dealers take them in turn, and since no city has a
# multiple of seven districts to try, two dealers in the same district never share one (below 49 dealers a city).
TRADE_NAMES = ("恒通", "骏达", "瑞丰", "永信", "华泰", "宏远", "鑫源")

PRODUCT_NAME = {
    "Aurora S5": "极光 S5", "Aurora S7": "极光 S7", "Aurora S9": "极光 S9", "Tiger X3": "猛虎 X3", "Tiger X5": "猛虎 X5",
    "Tiger X7": "猛虎 X7", "Tiger X9": "猛虎 X9", "Voyager M6": "远航 M6", "Voyager M8": "远航 M8", "Spark E3": "星火 E3",
    "Spark E5": "星火 E5", "Spark E7": "星火 E7",
}
CATEGORY = {"sedan": "轿车", "SUV": "SUV", "MPV": "MPV", "EV": "新能源"}
LOST_REASON = {"price": "价格因素", "competitor": "选择竞品", "financing": "贷款未批", "no_response": "联系不上",
               "delivery_time": "交车周期长"}
INCOME_BAND = {"<100k": "10万以下", "100-200k": "10-20万", "200-500k": "20-50万", ">500k": "50万以上"}
COMPLAINT_CHANNEL = {"hotline": "400热线", "wechat": "微信", "app": "App", "dealer": "经销商", "social_media": "社交媒体"}
COMPLAINT_CATEGORY = {"product_quality": "产品质量", "service_quality": "服务质量", "sales_process": "销售过程",
                      "delivery": "交车", "parts": "配件", "billing": "费用结算"}
CAMPAIGN_THEME = {
    "Test-Drive Week": "试驾周", "Online Reservation Drive": "线上预约季", "New Model Preview": "新车品鉴会",
    "Auto Show Lead Drive": "车展集客", "Free Maintenance Day": "免费保养日", "Owner Service Week": "车主服务周",
    "Loyalty Trade-In Bonus": "忠诚置换礼", "Win-Back Service Voucher": "回厂保养券", "Owner Referral Reward": "老带新奖励",
    "Second-Car Offer": "增购优惠", "New Year Offer": "元旦特惠", "Spring Festival Offer": "春节特惠",
    "Spring Trade-In Offer": "春季置换季", "May Day Offer": "五一特惠", "618 Online Deals": "618 线上购车节",
    "Summer Finance Offer": "夏季金融礼", "Golden Week Offer": "国庆特惠", "Double 11 Deals": "双十一购车节",
    "Year-End Sales Push": "年末冲量", "Winter Care Check": "冬季关爱检测", "Summer AC Check": "夏季空调检测",
}


def city_name(city: str) -> str:
    """The city column's value: 柳州市."""
    return CITY[city] + "市"


def dealer_name(city: str, district: str, trade: int) -> str:
    """柳州城南恒通汽车销售服务有限公司."""
    return f"{CITY[city]}{DISTRICT[district]}{TRADE_NAMES[trade % len(TRADE_NAMES)]}汽车销售服务有限公司"
