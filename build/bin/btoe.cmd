@echo off
rem btoe, the BToE Companion command line, on the PATH of an installed machine. It runs the CLI with the app's
rem own Electron runtime as Node (ELECTRON_RUN_AS_NODE, the RunAsNode fuse kept on for this), as VS Code's code.cmd.
setlocal
set ELECTRON_RUN_AS_NODE=1
"%~dp0..\BToE Companion.exe" "%~dp0..\resources\app.asar\dist\btoe\btoe.cjs" %*
set BTOE_EXIT=%ERRORLEVEL%
endlocal & exit /b %BTOE_EXIT%
