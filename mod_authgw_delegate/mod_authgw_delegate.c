/* mod_authgw_delegate: loads and registers nothing yet; see docs/architecture.md
 * for what this module will hold. */
#include <httpd.h>
#include <http_config.h>

AP_DECLARE_MODULE(authgw_delegate) = {
    STANDARD20_MODULE_STUFF,
    NULL, NULL, NULL, NULL, NULL, NULL, AP_MODULE_FLAG_NONE
};
