"""An example shop: products, orders paid with WeChat Pay. Yours to edit (or delete).

示例商店：商品、用微信支付付款的订单。这是你的代码，可随意修改或删除。
"""
