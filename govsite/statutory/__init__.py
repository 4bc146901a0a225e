"""Pages the 政府信息公开条例 requires besides the catalogue: the 指南, the 年度报告, the 依申请公开 form."""
