"""The statutory pages of a disclosure site: the 依申请公开 form, the 公开指南 and the 年度报告."""
