"""Your handlers: every module in this package is imported at start-up.

你的消息处理器：本目录下的每个模块都会在启动时自动导入。
Matching rules and their order: see the docstring of ``wechat/router.py``.
"""
