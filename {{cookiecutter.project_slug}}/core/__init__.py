"""Your app: models, admin pages and views of your own. 你的应用：自己的模型、后台和视图写在这里。"""
