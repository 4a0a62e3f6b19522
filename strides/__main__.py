from strides.cli import main

main()
