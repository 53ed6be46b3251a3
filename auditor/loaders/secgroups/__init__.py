"""Security groups: one module per format (aws_json, cfn, terraform), the helpers they share
(common), and sniffing a file's format to read it (load)."""
