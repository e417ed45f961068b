from mentropy.cli import main

main()
