# 社会救助经办管理系统 — 常用命令。全新机器上只需 Python 3.11+：
#   make run    建虚拟环境、安装依赖、迁移、生成演示数据，在 http://127.0.0.1:8000/ 启动开发服务器
#   make test   安装依赖后运行全部测试（读取环境变量 DATABASE_URL / REDIS_URL）
# 其余命令见 `make help`。

SHELL := /bin/bash
.DEFAULT_GOAL := help

# 创建虚拟环境所用的解释器：python3 若为 3.11+ 就用它，否则找 python3.13/3.12/3.11；可覆盖：make run PYTHON=python3.12
ifndef PYTHON
PYTHON := $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
endif
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
# 依赖锁文件安装完成的标记：锁文件比它新时才重新安装
STAMP := $(VENV)/.requirements.lock.installed
# 开发服务器地址
HOST ?= 127.0.0.1
PORT ?= 8000
# 传给 pytest 的额外参数，例如 make test PYTEST_ARGS="-k audit -x"
PYTEST_ARGS ?=

.PHONY: help install run test stack lint format lock clean ci

help: ## 列出全部命令
	@echo "社会救助经办管理系统 — make 命令："
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)$$/  make \1\t\2/' | expand -t 16

# 虚拟环境：不存在时用 $(PYTHON) 创建（先确认版本）
$(PY):
	@test -n "$(PYTHON)" || { echo "需要 Python 3.11 或更高版本（没有找到 python3.11+）" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更高版本，当前是 " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

# 依赖：只在 requirements.lock 变化（或虚拟环境新建）后安装
$(STAMP): requirements.lock | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

install: $(STAMP) ## 创建虚拟环境并按 requirements.lock 安装依赖（锁文件未变则跳过）
	@:

run: install ## 迁移数据库、生成演示数据（打印演示账号），启动开发服务器 http://127.0.0.1:8000/
	@mkdir -p var/staticfiles
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	DEBUG=1 $(MANAGE) runserver $(HOST):$(PORT)

test: install ## 运行全部测试（没有 DATABASE_URL/REDIS_URL 时，需要 PostgreSQL/Redis/Chromium 的测试会注明原因跳过）
	@mkdir -p var/staticfiles
	@status=0; $(BIN)/pytest -q $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "错误：没有收集到任何测试（pytest 退出码 5）" >&2; fi; \
	exit $$status

stack: install ## 不用 Docker 运行完整栈：gunicorn + Celery worker + beat，连接 PostgreSQL 与 Redis（Ctrl-C 全部停止）
	bin/stack

lint: install ## 代码检查（ruff check 与 ruff format --check）
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## 自动格式化并修复可修复的检查项
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: install ## 由 pyproject.toml 重新生成 requirements.lock（pip-tools；升级依赖：make lock LOCK_ARGS=--upgrade）
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
		$(LOCK_ARGS) -o requirements.lock pyproject.toml

ci: ## 运行与 CI 相同的全部检查（.ci/run，需要 PostgreSQL、Redis，必要时用 apt-get 安装软件包）
	bash .ci/run

clean: ## 删除虚拟环境、缓存和收集的静态文件（保留 var/ 中的数据库）
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis var/staticfiles test-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
