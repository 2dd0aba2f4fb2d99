from tradeflows.cli import main

main()
